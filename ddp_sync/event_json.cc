// The JSON lines of live-query events (event_json.h).

#include "ddp_sync/event_json.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fmt/format.h"
#include "query/ejson.h"
#include "query/value.h"

namespace minimongo::ddp {
namespace {

void AppendEjsonText(query::ValueView v, std::string* out) {
  query::EjsonOptions options;
  options.escape_extended_forms = false;
  query::AppendEjson(v, out, options);
}

// The opening of a line, up to the id; the closing brace is the caller's.
std::string EventLine(std::string_view event, query::ValueView id) {
  std::string line = fmt::format("{{\"event\":\"{}\",\"id\":", event);
  AppendEjsonText(id, &line);
  return line;
}

void AppendBefore(std::optional<query::ValueView> before, std::string* line) {
  line->append(",\"before\":");
  if (before) {
    AppendEjsonText(*before, line);
  } else {
    line->append("null");
  }
}

}  // namespace

ObserveChangesCallbacks EventJsonCallbacks(bool ordered,
                                           std::function<void(std::string line)> sink) {
  ObserveChangesCallbacks callbacks;
  auto emit = [sink = std::move(sink)](std::string line) {
    line.push_back('}');
    sink(std::move(line));
  };
  if (ordered) {
    callbacks.added_before = [emit](query::ValueView id, query::ValueView fields,
                                    std::optional<query::ValueView> before) {
      std::string line = EventLine("addedBefore", id);
      line.append(",\"fields\":");
      AppendEjsonText(fields, &line);
      AppendBefore(before, &line);
      emit(std::move(line));
    };
    callbacks.moved_before = [emit](query::ValueView id, std::optional<query::ValueView> before) {
      std::string line = EventLine("movedBefore", id);
      AppendBefore(before, &line);
      emit(std::move(line));
    };
  } else {
    callbacks.added = [emit](query::ValueView id, query::ValueView fields) {
      std::string line = EventLine("added", id);
      line.append(",\"fields\":");
      AppendEjsonText(fields, &line);
      emit(std::move(line));
    };
  }
  callbacks.changed = [emit](query::ValueView id, query::ValueView fields,
                             const std::vector<std::string>& cleared) {
    std::string line = EventLine("changed", id);
    line.append(",\"fields\":");
    AppendEjsonText(fields, &line);
    line.append(",\"cleared\":[");
    for (size_t i = 0; i < cleared.size(); ++i) {
      if (i > 0) line.push_back(',');
      AppendEjsonText(query::Value::String(cleared[i]).view(), &line);
    }
    line.push_back(']');
    emit(std::move(line));
  };
  callbacks.removed = [emit](query::ValueView id) { emit(EventLine("removed", id)); };
  return callbacks;
}

}  // namespace minimongo::ddp
