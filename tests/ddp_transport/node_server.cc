#include "tests/ddp_transport/node_server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/status/status.h"
#include "fmt/format.h"

namespace minimongo::ddp::testing {

absl::StatusOr<std::string> ServerDirectory() {
  std::string base;
  if (const char* srcdir = std::getenv("TEST_SRCDIR")) {
    const char* ws = std::getenv("TEST_WORKSPACE");
    base = fmt::format("{}/{}/", srcdir, ws ? ws : "minimongo");
  }
  std::error_code ec;
  std::filesystem::path script = base + "tests/ddp_transport/server/server.js";
  std::filesystem::path real = std::filesystem::canonical(script, ec);
  if (ec) return absl::NotFoundError(fmt::format("no {}", script.string()));
  std::filesystem::path dir = real.parent_path();
  if (!std::filesystem::exists(dir / "node_modules" / "ddp-server-reactive", ec) ||
      !std::filesystem::exists(dir / "node_modules" / "ws", ec)) {
    return absl::NotFoundError(fmt::format(
        "{}/node_modules is missing (run scripts/install-deps.sh, which runs npm ci there)",
        dir.string()));
  }
  if (std::system("node --version >/dev/null 2>&1") != 0) {
    return absl::NotFoundError("node is not on PATH");
  }
  return dir.string();
}

absl::StatusOr<std::unique_ptr<NodeServer>> NodeServer::Start(
    const std::string& script, const std::vector<std::string>& args) {
  absl::StatusOr<std::string> dir = ServerDirectory();
  if (!dir.ok()) return dir.status();
  // The server's output goes to a file (a pipe closed after start-up would kill the server at
  // its next log line, one left open could fill up).
  static int counter = 0;
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string log = fmt::format("{}/node_server.{}.{}.log", tmp ? tmp : "/tmp", getpid(),
                                ++counter);
  int fd = open(log.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
  if (fd < 0) return absl::InternalError(fmt::format("cannot create {}", log));
  std::string path = fmt::format("{}/{}", *dir, script);
  std::vector<std::string> argv_storage = {"node", path};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
    execvp("node", argv.data());
    _exit(127);
  }
  close(fd);
  auto server = std::unique_ptr<NodeServer>(new NodeServer());
  server->pid_ = pid;
  // Wait for "listening PORT\n" with a deadline: a server that does not come up fails the test.
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (true) {
    std::ifstream in(log);
    std::getline(in, line);
    if (line.rfind("listening ", 0) == 0 && !in.eof()) break;
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      server->pid_ = -1;
      std::ifstream again(log);
      std::string text((std::istreambuf_iterator<char>(again)), std::istreambuf_iterator<char>());
      return absl::InternalError(fmt::format("{} exited before listening: {}", script, text));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError(fmt::format("{} did not start within 10 s", script));
    }
    usleep(20'000);
  }
  server->port_ = std::atoi(line.c_str() + 10);
  return server;
}

NodeServer::~NodeServer() { Kill(); }

void NodeServer::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGCONT);
  kill(pid_, SIGKILL);
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void NodeServer::Pause() {
  if (pid_ > 0) kill(pid_, SIGSTOP);
}

void NodeServer::Resume() {
  if (pid_ > 0) kill(pid_, SIGCONT);
}

}  // namespace minimongo::ddp::testing
