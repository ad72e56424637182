// Test helper: starts one of the Node servers of tests/ddp_transport/server/ as a child process
// on localhost and kills it. The scripts' node_modules (npm ci, scripts/install-deps.sh) are
// found next to the real script: node resolves modules from the script's real path, so the
// runfiles symlink leads back to the source tree.
//
// Thread safety: none.

#ifndef MINIMONGO_TESTS_DDP_TRANSPORT_NODE_SERVER_H_
#define MINIMONGO_TESTS_DDP_TRANSPORT_NODE_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace minimongo::ddp::testing {

// The real directory of the server scripts when node and their node_modules are there;
// otherwise NotFound saying what is missing.
absl::StatusOr<std::string> ServerDirectory();

class NodeServer {
 public:
  // Runs `node DIR/script args...` and waits (10 s at most) for its "listening PORT" line.
  // Errors: NotFound (no node, no node_modules), DeadlineExceeded, Internal.
  static absl::StatusOr<std::unique_ptr<NodeServer>> Start(const std::string& script,
                                                           const std::vector<std::string>& args);
  ~NodeServer();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // SIGKILL and reap: the server dies without closing anything.
  void Kill();
  // SIGSTOP / SIGCONT: the server stops answering while its sockets stay open.
  void Pause();
  void Resume();

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace minimongo::ddp::testing

#endif  // MINIMONGO_TESTS_DDP_TRANSPORT_NODE_SERVER_H_
