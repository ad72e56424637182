#include "ddp_transport/connect_main.h"

#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "boost/asio/signal_set.hpp"
#include "boost/asio/steady_timer.hpp"
#include "ddp_sync/event_json.h"
#include "ddp_sync/replay.h"
#include "ddp_transport/connection.h"
#include "ddp_transport/recorder.h"
#include "fmt/format.h"
#include "minimongo/collection.h"
#include "minimongo/database.h"
#include "minimongo/observe.h"
#include "query/ejson.h"

namespace minimongo::ddp {
namespace {

constexpr std::string_view kUsage =
    "usage: minimongo connect URL [--sub NAME [--params JSON]]... [--observe COLLECTION SELECTOR\n"
    "         [--sort S] [--limit N]] [--record FILE] [--call METHOD PARAMS]...\n"
    "         [--duration-ms N] [--exit-when-ready] [--ca-file PEM]\n"
    "         [--dangerously-skip-certificate-verification]\n"
    "Connects to a DDP server over a WebSocket (URL: ws://host:port/websocket or wss://...),\n"
    "subscribes to each NAME (--params: its JSON params, an array), calls each METHOD with PARAMS\n"
    "(a JSON array) and keeps the store in sync, reconnecting with backoff when the connection is\n"
    "lost. --observe runs a live query and prints its events as they arrive, one JSON object per\n"
    "line, as 'minimongo replay --observe' does. Method outcomes are printed as\n"
    "{\"call\":METHOD,\"result\":..} or {\"call\":METHOD,\"error\":..} or {\"call\":..,\"failure\":..}.\n"
    "At the end the client state is printed as 'minimongo replay' prints it.\n"
    "--record FILE writes the session in the fixture format (minimongo replay FILE replays it).\n"
    "Stops on SIGINT, after --duration-ms N, or with --exit-when-ready once every subscription is\n"
    "ready and every call answered. TLS certificates are verified against the system CA store;\n"
    "--ca-file adds a CA. --dangerously-skip-certificate-verification accepts any certificate.\n"
    "Exit status: 0 clean end, 1 bad values or the session stopped, 2 usage error.\n";

bool ParseCount(std::string_view text, size_t* out) {
  if (text.empty() || text.size() > 18) return false;
  size_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  *out = n;
  return true;
}

void AppendEjsonText(query::ValueView v, std::string* out) {
  query::EjsonOptions options;
  options.escape_extended_forms = false;
  query::AppendEjson(v, out, options);
}

void PrintLine(std::string line) {
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

void PrintError(std::string_view message) {
  std::string line = fmt::format("minimongo connect: {}\n", message);
  std::fputs(line.c_str(), stderr);
}

std::string OutcomeLine(std::string_view method, const MethodCall& call) {
  std::string line = "{\"call\":";
  AppendEjsonText(query::Value::String(method).view(), &line);
  if (call.state == MethodCall::State::kFailed) {
    line.append(",\"failure\":");
    AppendEjsonText(query::Value::String(std::string(call.failure.message())).view(), &line);
  } else if (call.error) {
    line.append(",\"error\":");
    AppendEjsonText(call.error->view(), &line);
  } else if (call.result) {
    line.append(",\"result\":");
    AppendEjsonText(call.result->view(), &line);
  }
  line.push_back('}');
  return line;
}

struct SubArg {
  std::string name;
  std::optional<std::string> params;
};

struct CallArg {
  std::string method;
  std::string params;
};

}  // namespace

int RunConnect(int argc, char** argv) {
  std::vector<std::string_view> args(argv, argv + argc);
  for (std::string_view a : args) {
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage.data(), stdout);
      return 0;
    }
  }
  auto usage_error = [](std::string_view problem) {
    if (!problem.empty()) PrintError(problem);
    std::fputs(kUsage.data(), stderr);
    return 2;
  };
  std::optional<std::string_view> url;
  std::vector<SubArg> subs;
  std::vector<CallArg> calls;
  std::optional<std::string_view> observe_collection, observe_selector, sort_text, record_path;
  std::optional<size_t> limit, duration_ms;
  bool exit_when_ready = false;
  ConnectionOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    auto value = [&](size_t n) { return i + n < args.size(); };
    if (a == "--observe") {
      if (!value(2)) return usage_error("--observe needs COLLECTION and SELECTOR");
      observe_collection = args[++i];
      observe_selector = args[++i];
    } else if (a == "--call") {
      if (!value(2)) return usage_error("--call needs METHOD and PARAMS");
      std::string method(args[++i]);
      calls.push_back({std::move(method), std::string(args[++i])});
    } else if (a == "--exit-when-ready") {
      exit_when_ready = true;
    } else if (a == "--dangerously-skip-certificate-verification") {
      options.websocket.tls.dangerously_skip_certificate_verification = true;
    } else if (a == "--sub" || a == "--params" || a == "--sort" || a == "--limit" ||
               a == "--record" || a == "--duration-ms" || a == "--ca-file") {
      if (!value(1)) return usage_error(fmt::format("{} needs a value", a));
      std::string_view v = args[++i];
      if (a == "--sub") {
        subs.push_back({std::string(v), std::nullopt});
      } else if (a == "--params") {
        if (subs.empty() || subs.back().params) return usage_error("--params follows a --sub");
        subs.back().params = std::string(v);
      } else if (a == "--sort") {
        sort_text = v;
      } else if (a == "--record") {
        record_path = v;
      } else if (a == "--ca-file") {
        options.websocket.tls.ca_file = std::string(v);
      } else {
        size_t n;
        if (!ParseCount(v, &n)) {
          return usage_error(fmt::format("{} needs a non-negative integer, not '{}'", a, v));
        }
        if (a == "--limit") {
          if (n > 0) limit = n;  // 0 means no limit, as in MongoDB
        } else {
          duration_ms = n;
        }
      }
    } else if (a.starts_with("--")) {
      return usage_error(fmt::format("unknown option {}", a));
    } else if (url) {
      return usage_error("one URL only");
    } else {
      url = a;
    }
  }
  if (!url) return usage_error("");
  if ((sort_text || limit) && !observe_collection) {
    return usage_error("--sort and --limit go with --observe");
  }

  // Every JSON argument is checked before anything connects.
  auto parse = [](std::string_view what, std::string_view text) -> std::optional<query::Value> {
    absl::StatusOr<query::Value> v = query::ParseEjson(text);
    if (!v.ok()) {
      PrintError(fmt::format("{}: {}", what, std::string(v.status().message())));
      return std::nullopt;
    }
    return *std::move(v);
  };
  std::vector<query::Value> sub_params, call_params;
  for (const SubArg& s : subs) {
    if (!s.params) {
      sub_params.emplace_back();
      continue;
    }
    std::optional<query::Value> p = parse(fmt::format("--params of {}", s.name), *s.params);
    if (!p) return 1;
    sub_params.push_back(*std::move(p));
  }
  for (const CallArg& c : calls) {
    std::optional<query::Value> p = parse(fmt::format("--call {}", c.method), c.params);
    if (!p) return 1;
    if (!p->IsArray() && !p->IsObject()) {
      PrintError(fmt::format("--call {}: PARAMS must be a JSON array", c.method));
      return 1;
    }
    call_params.push_back(*std::move(p));
  }

  std::unique_ptr<Recorder> recorder;
  if (record_path) {
    absl::StatusOr<std::unique_ptr<Recorder>> r = Recorder::Open(std::string(*record_path));
    if (!r.ok()) {
      PrintError(std::string(r.status().message()));
      return 1;
    }
    recorder = *std::move(r);
  }

  Database db;
  ObserveHandle handle;
  if (observe_collection) {
    std::optional<query::Value> selector = parse("selector", *observe_selector);
    if (!selector) return 1;
    ObserveOptions observe_options;
    if (sort_text) {
      std::optional<query::Value> sort = parse("--sort", *sort_text);
      if (!sort) return 1;
      observe_options.sort = *std::move(sort);
    }
    observe_options.limit = limit;
    bool ordered = sort_text.has_value() || limit.has_value();
    absl::StatusOr<ObserveHandle> started =
        db.GetCollection(*observe_collection)
            .ObserveChanges(*selector, observe_options, EventJsonCallbacks(ordered, PrintLine));
    if (!started.ok()) {
      PrintError(fmt::format("--observe: {}", std::string(started.status().message())));
      return 1;
    }
    handle = *std::move(started);
  }

  Connection* connection = nullptr;
  std::vector<std::string> sub_ids;
  size_t calls_done = 0;
  bool stop_requested = false;
  auto maybe_exit = [&] {
    if (!exit_when_ready || stop_requested || connection == nullptr) return;
    const Session& s = connection->session();
    if (s.state() != ConnectionState::kConnected || s.resyncing()) return;
    for (const std::string& id : sub_ids) {
      const Subscription* sub = s.FindSubscription(id);
      if (sub == nullptr || sub->state == Subscription::State::kPending) return;
    }
    if (calls_done < calls.size()) return;
    stop_requested = true;
    connection->Stop();
  };
  options.on_frame = [&](bool received, std::string_view frame, uint64_t) {
    if (!recorder) return;
    if (received) {
      recorder->Received(frame);
    } else {
      recorder->Sent(frame);
    }
  };
  options.on_session_event = [&](const SessionEvent& e) {
    switch (e.kind) {
      case EventKind::kRejected:
        std::fputs(fmt::format("line {}: {}\n", e.frame, std::string(e.status.message())).c_str(),
                   stderr);
        break;
      case EventKind::kConnected:
        PrintError(fmt::format("connected (session {})", e.id));
        break;
      case EventKind::kConnectionLost:
        PrintError(std::string(e.status.message()));
        break;
      case EventKind::kServerError:
        PrintError(fmt::format("server error: {}", e.message));
        break;
      case EventKind::kStopped:
        PrintError(std::string(e.status.message()));
        break;
      default:
        break;
    }
    maybe_exit();
  };
  options.on_transport_event = [&](const TransportEvent& e) {
    if (e.kind == TransportEvent::Kind::kClosed && !e.status.ok()) {
      PrintError(std::string(e.status.message()));
    } else if (e.kind == TransportEvent::Kind::kReconnectScheduled) {
      PrintError(fmt::format("reconnecting in {} ms", e.delay_ms));
    } else if (e.kind == TransportEvent::Kind::kBinaryDropped) {
      PrintError(fmt::format("dropped a binary message of {} bytes", e.size));
    }
  };

  std::optional<boost::asio::signal_set> signals;
  std::optional<boost::asio::steady_timer> timer;
  options.on_stopped = [&] {
    boost::system::error_code ignored;
    if (signals) signals->cancel(ignored);
    if (timer) timer->cancel();
  };
  absl::StatusOr<std::unique_ptr<Connection>> created =
      Connection::Create(&db, *url, std::move(options));
  if (!created.ok()) {
    PrintError(std::string(created.status().message()));
    return 1;
  }
  connection = created->get();
  for (size_t i = 0; i < subs.size(); ++i) {
    absl::StatusOr<std::string> id = connection->Subscribe(subs[i].name, sub_params[i]);
    if (!id.ok()) {
      PrintError(fmt::format("--sub {}: {}", subs[i].name, std::string(id.status().message())));
      return 1;
    }
    sub_ids.push_back(*std::move(id));
  }
  for (size_t i = 0; i < calls.size(); ++i) {
    std::string method = calls[i].method;
    absl::Status s = connection->Call(method, call_params[i], {},
                                      [&, method](const MethodCall& call) {
                                        PrintLine(OutcomeLine(method, call));
                                        ++calls_done;
                                        maybe_exit();
                                      });
    if (!s.ok()) {
      PrintError(std::string(s.message()));
      return 1;
    }
  }
  signals.emplace(connection->io_context(), SIGINT, SIGTERM);
  signals->async_wait([&](boost::system::error_code ec, int) {
    if (!ec) connection->Stop();
  });
  if (duration_ms) {
    timer.emplace(connection->io_context());
    timer->expires_after(std::chrono::milliseconds(*duration_ms));
    timer->async_wait([&](boost::system::error_code ec) {
      if (!ec) connection->Stop();
    });
  }
  absl::Status status = connection->Run();
  // They wait on the connection's io_context: gone before it is.
  signals.reset();
  timer.reset();
  handle.Stop();
  std::string state = StateJson(connection->session(), connection->rejected_frames());
  std::fwrite(state.data(), 1, state.size(), stdout);
  std::fflush(stdout);
  if (!status.ok()) {
    PrintError(std::string(status.message()));
    return 1;
  }
  if (recorder && !recorder->status().ok()) {
    PrintError(std::string(recorder->status().message()));
    return 1;
  }
  return 0;
}

}  // namespace minimongo::ddp
