#include "minimongo/batch.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "fmt/format.h"
#include "minimongo/collection.h"
#include "query/ejson.h"
#include "query/internal/status_macros.h"
#include "query/selector.h"
#include "query/value_order.h"

namespace minimongo {
namespace {

using query::Value;
using query::ValueView;

std::string ErrorLine(std::string_view message) {
  Value error = Value::Object({{"error", Value::String(message)}});
  return query::ToEjson(error.view());
}

absl::StatusOr<std::optional<size_t>> ReadCount(ValueView c, std::string_view name) {
  auto v = c.Find(name);
  if (!v || v->IsNull()) return std::optional<size_t>();
  auto n = v->IsNumber() ? v->NumberAsInt64() : std::nullopt;
  if (!n || *n < 0) {
    return absl::InvalidArgumentError(fmt::format("{} must be a non-negative integer", name));
  }
  return std::optional<size_t>(static_cast<size_t>(*n));
}

bool ReadFlag(ValueView options, std::string_view name) {
  auto v = options.Find(name);
  return v && v->type() == query::Type::kBool && v->AsBool();
}

void AppendDocs(const std::vector<Value>& docs, std::string* out) {
  out->append("[");
  for (size_t i = 0; i < docs.size(); ++i) {
    if (i > 0) out->push_back(',');
    query::AppendEjson(docs[i].view(), out);
  }
  out->append("]");
}

std::vector<Value> SortedById(const Collection& collection) {
  std::vector<Value> docs;
  collection.ForEachDocument([&](const Value& doc) { docs.push_back(doc); });
  std::stable_sort(docs.begin(), docs.end(), [](const Value& a, const Value& b) {
    return query::CompareValues(DocumentId(a.view()), DocumentId(b.view())) < 0;
  });
  return docs;
}

absl::StatusOr<std::string> RunCase(std::string_view line) {
  ASSIGN_OR_RETURN(Value c, query::ParseEjson(line));
  ValueView cv = c.view();
  if (!cv.IsObject()) return absl::InvalidArgumentError("a case must be a json object");
  auto op = cv.Find("op");
  if (!op || !op->IsString()) return absl::InvalidArgumentError("a case needs an \"op\" string");

  CollectionOptions options;
  options.id_seed = 1;  // generated upsert ids are deterministic per case
  Collection collection("batch", options);
  if (auto docs = cv.Find("docs")) {
    if (!docs->IsArray()) return absl::InvalidArgumentError("\"docs\" must be an array");
    for (ValueView doc : docs->elements()) {
      RETURN_IF_ERROR(collection.Insert(doc.ToValue()).status());
    }
  }
  Value selector = Value::Object({});
  if (auto s = cv.Find("selector")) selector = s->ToValue();

  std::string out;
  std::string_view name = op->AsString();
  if (name == "find" || name == "count") {
    FindOptions find;
    if (auto sort = cv.Find("sort")) find.sort = sort->ToValue();
    if (auto fields = cv.Find("fields")) find.projection = fields->ToValue();
    ASSIGN_OR_RETURN(std::optional<size_t> skip, ReadCount(cv, "skip"));
    ASSIGN_OR_RETURN(find.limit, ReadCount(cv, "limit"));
    // As in MongoDB and Meteor, a limit of 0 means no limit.
    if (find.limit == size_t{0}) find.limit.reset();
    find.skip = skip.value_or(0);
    ASSIGN_OR_RETURN(Cursor cursor, collection.Find(selector, find));
    if (name == "count") return fmt::format("{{\"n\":{}}}", cursor.Count());
    RETURN_IF_ERROR(cursor.Check());  // e.g. parallel arrays under a compound sort
    out = "{\"docs\":";
    AppendDocs(cursor.Fetch(), &out);
    out.push_back('}');
    return out;
  }
  size_t n;
  if (name == "update") {
    auto modifier = cv.Find("modifier");
    if (!modifier) return absl::InvalidArgumentError("update needs a \"modifier\"");
    UpdateOptions update;
    if (auto o = cv.Find("options"); o && o->IsObject()) {
      update.multi = ReadFlag(*o, "multi");
      update.upsert = ReadFlag(*o, "upsert");
      if (auto filters = o->Find("arrayFilters")) {
        if (!filters->IsArray()) return absl::InvalidArgumentError("arrayFilters must be an array");
        for (ValueView f : filters->elements()) update.array_filters.push_back(f.ToValue());
      }
    }
    ASSIGN_OR_RETURN(UpdateResult result, collection.Update(selector, modifier->ToValue(), update));
    n = result.matched + (result.upserted_id ? 1 : 0);
  } else if (name == "remove") {
    ASSIGN_OR_RETURN(n, collection.Remove(selector));
  } else {
    return absl::InvalidArgumentError(fmt::format("unknown op \"{}\"", name));
  }
  out = fmt::format("{{\"n\":{},\"docs\":", n);
  AppendDocs(SortedById(collection), &out);
  out.push_back('}');
  return out;
}

}  // namespace

std::string RunBatchCase(std::string_view line) {
  absl::StatusOr<std::string> result = RunCase(line);
  if (!result.ok()) return ErrorLine(std::string(result.status().message()));
  return *std::move(result);
}

void RunBatch(std::istream& in, std::ostream& out) {
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    out << RunBatchCase(line) << '\n';
    out.flush();
  }
}

}  // namespace minimongo
