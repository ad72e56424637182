// Session: subscriptions and method calls, both the ones it sends and recorded sends, and the
// frames that answer them (ready, nosub, result, updated) (session.h).

#include "ddp_sync/session.h"

#include <memory>
#include <optional>
#include <utility>

#include "fmt/format.h"
#include "ddp_sync/internal/frame_decoding.h"
#include "ddp_sync/internal/session_internal.h"
#include "query/ejson.h"
#include "query/internal/status_macros.h"

namespace minimongo::ddp {

using query::Value;
using query::ValueView;

using internal::Msg;

// ---------------------------------------------------------------------------------------------
// Calls

absl::StatusOr<std::string> Session::Subscribe(std::string_view name, const Value& params) {
  if (!params.IsNull() && !params.IsArray() && !params.IsObject()) {
    return absl::InvalidArgumentError(fmt::format(
        "subscribe to \"{}\": params must be an array (DDP 1) or an object (OneOffice)", name));
  }
  std::string id;
  do {
    id = ids_.NextMeteorId();
  } while (subs_.contains(id));
  Subscription sub;
  sub.id = id;
  sub.name = std::string(name);
  sub.params = params;
  sub.connection = connection_;
  bool open = state_ == ConnectionState::kConnecting || state_ == ConnectionState::kConnected;
  if (open) Queue(SubFrame(id, name, params.view()));
  if (open && resyncing_) resync_pending_subs_.insert(id);
  subs_.emplace(id, std::move(sub));
  return id;
}

absl::Status Session::Unsubscribe(std::string_view id) {
  auto it = subs_.find(id);
  if (it == subs_.end()) {
    return absl::NotFoundError(fmt::format("unsubscribe: no subscription \"{}\"", id));
  }
  it->second.state = Subscription::State::kUnsubscribed;
  if (state_ == ConnectionState::kConnecting || state_ == ConnectionState::kConnected) {
    Queue(UnsubFrame(id));
  }
  resync_pending_subs_.erase(it->first);
  MaybeFinishResync();
  return absl::OkStatus();
}

absl::StatusOr<std::string> Session::Call(std::string_view method, const Value& params,
                                          bool random_seed) {
  return Call(method, params, CallOptions{.no_retry = true, .random_seed = random_seed});
}

absl::StatusOr<std::string> Session::Call(std::string_view method, const Value& params,
                                          CallOptions options) {
  if (!params.IsNull() && !params.IsArray() && !params.IsObject()) {
    return absl::InvalidArgumentError(fmt::format(
        "call \"{}\": params must be an array (DDP 1) or an object (OneOffice)", method));
  }
  if (state_ != ConnectionState::kConnecting && state_ != ConnectionState::kConnected) {
    return absl::FailedPreconditionError(
        fmt::format("call \"{}\": no connection is open", method));
  }
  std::string id;
  do {
    id = fmt::format("{}", ++next_method_id_);
  } while (methods_.contains(id));
  MethodCall call;
  call.id = id;
  call.name = std::string(method);
  call.params = params;
  if (options.random_seed) call.random_seed = ids_.NextMeteorId();
  call.no_retry = options.no_retry;
  call.sent_at_ms = Now();
  call.connection = connection_;
  call.sends = 1;
  Queue(MethodFrame(id, method, params.view(), call.random_seed));
  methods_.emplace(id, std::move(call));
  call_order_.push_back(id);
  return id;
}

absl::Status Session::RecordSent(std::string_view text, uint64_t frame_number) {
  ASSIGN_OR_RETURN(ClientMessage m, DecodeClientFrame(text, frame_number));
  switch (m.type) {
    case MessageType::kConnect: {
      // After "failed" or a disconnect the recording opened a new connection. While one is
      // open, a connect that asks to resume a session can only come from a client that lost
      // its connection (the recording has no marker for the loss itself): the open one is
      // lost, and this starts the next. Any other connect repeats the open one (a client may
      // send connect twice on one socket; the server then answers "connected" twice).
      bool open =
          state_ == ConnectionState::kConnecting || state_ == ConnectionState::kConnected;
      if (open && m.session.has_value()) OnDisconnected();
      if (!open || m.session.has_value()) BeginConnection();
      version_ = std::string(m.version);
      break;
    }
    case MessageType::kSub: {
      std::string id(*m.id);
      Subscription& sub = subs_[id];
      sub.id = id;
      sub.name = std::string(m.name);
      sub.params = m.params ? m.params->ToValue() : Value();
      sub.state = Subscription::State::kPending;
      sub.connection = connection_;
      if (resyncing_) resync_pending_subs_.insert(id);
      break;
    }
    case MessageType::kUnsub: {
      auto it = subs_.find(*m.id);
      if (it != subs_.end()) {
        it->second.state = Subscription::State::kUnsubscribed;
        resync_pending_subs_.erase(it->first);
        MaybeFinishResync();
      }
      break;
    }
    case MessageType::kMethod: {
      std::string id(*m.id);
      auto [it, inserted] = methods_.try_emplace(id);
      MethodCall& call = it->second;
      if (inserted) {
        call_order_.push_back(id);
      } else if (call.state == MethodCall::State::kWaitingReconnect ||
                 call.state == MethodCall::State::kPending) {
        // The same id again: a resend after a reconnection (Meteor's and ours keep the id).
        call.state = MethodCall::State::kPending;
        call.connection = connection_;
        ++call.sends;
        break;
      }
      call = MethodCall();
      call.id = id;
      call.name = std::string(m.name);
      call.params = m.params ? m.params->ToValue() : Value();
      if (m.random_seed && m.random_seed->IsString()) {
        call.random_seed = std::string(m.random_seed->AsString());
      }
      call.sent_at_ms = Now();
      call.connection = connection_;
      call.sends = 1;
      break;
    }
    case MessageType::kPing:
    case MessageType::kPong:
    default:
      break;
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Answers to subscriptions and calls

void Session::HandleReady(const ServerMessage& m, uint64_t frame) {
  for (const std::string& id : m.ids) {
    auto it = subs_.find(id);
    if (it == subs_.end()) {
      SessionEvent w;
      w.kind = EventKind::kWarning;
      w.frame = frame;
      w.message = fmt::format("ddp frame {} (msg \"ready\"): ready for sub \"{}\", which was "
                              "never sent",
                              frame, id);
      Emit(std::move(w));
    } else {
      Subscription& sub = it->second;
      if (sub.state == Subscription::State::kPending) sub.state = Subscription::State::kReady;
      sub.ever_ready = true;
    }
    if (!ready_seen_.contains(id)) {
      ready_seen_.insert(id);
      ready_history_.push_back(id);
    }
    SessionEvent e;
    e.kind = EventKind::kReady;
    e.frame = frame;
    e.id = id;
    Emit(std::move(e));
    resync_pending_subs_.erase(id);
  }
  MaybeFinishResync();
}

void Session::HandleNosub(const ServerMessage& m, uint64_t frame) {
  std::string id(*m.message_id);
  auto it = subs_.find(id);
  if (it == subs_.end()) {
    SessionEvent w;
    w.kind = EventKind::kWarning;
    w.frame = frame;
    w.message = fmt::format("ddp frame {} (msg \"nosub\"): nosub for sub \"{}\", which was "
                            "never sent",
                            frame, id);
    Emit(std::move(w));
  } else {
    it->second.state = Subscription::State::kNosub;
    it->second.error = m.error;
  }
  if (!nosub_seen_.contains(id)) {
    nosub_seen_.insert(id);
    nosub_history_.push_back(NosubRecord{id, m.error});
  }
  SessionEvent e;
  e.kind = EventKind::kNosub;
  e.frame = frame;
  e.id = id;
  if (m.error) {
    std::string text;
    AppendPlainJson(m.error->view(), &text);
    e.status = absl::UnavailableError(fmt::format("subscription \"{}\" ended: {}", id, text));
  }
  Emit(std::move(e));
  resync_pending_subs_.erase(id);
  MaybeFinishResync();
}

absl::Status Session::HandleResult(const ServerMessage& m, uint64_t frame) {
  auto it = methods_.find(*m.message_id);
  if (it == methods_.end()) {
    return Bad(m, frame, absl::StatusCode::kFailedPrecondition,
               fmt::format("result for method id \"{}\", which was never called", *m.message_id));
  }
  MethodCall& call = it->second;
  if (call.state == MethodCall::State::kReturned) {
    return Bad(m, frame, absl::StatusCode::kFailedPrecondition,
               fmt::format("second result for method id \"{}\"", *m.message_id));
  }
  if (call.state == MethodCall::State::kFailed) {
    return Bad(m, frame, absl::StatusCode::kFailedPrecondition,
               fmt::format("result for method id \"{}\", which already failed here: {}",
                           *m.message_id, Msg(call.failure)));
  }
  // kPending, or kWaitingReconnect in a recording whose resend was not recorded: a result.
  call.state = MethodCall::State::kReturned;
  if (m.error) {
    call.error = m.error;
  } else if (m.result) {
    call.result = m.result->ToValue();
  }
  result_order_.push_back(call.id);
  SessionEvent e;
  e.kind = EventKind::kResult;
  e.frame = frame;
  e.id = call.id;
  Emit(std::move(e));
  return absl::OkStatus();
}

void Session::HandleUpdated(const ServerMessage& m, uint64_t frame) {
  for (const std::string& id : m.ids) {
    auto it = methods_.find(id);
    if (it == methods_.end()) {
      SessionEvent w;
      w.kind = EventKind::kWarning;
      w.frame = frame;
      w.message = fmt::format("ddp frame {} (msg \"updated\"): method id \"{}\" was never called",
                              frame, id);
      Emit(std::move(w));
      continue;
    }
    it->second.updated = true;
    SessionEvent e;
    e.kind = EventKind::kUpdated;
    e.frame = frame;
    e.id = id;
    Emit(std::move(e));
  }
}

}  // namespace minimongo::ddp
