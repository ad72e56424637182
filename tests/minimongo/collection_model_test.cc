// A randomized model test of the store: a Collection runs a long random sequence of inserts,
// updates (multi, upsert, several operators), removes and queries next to a deliberately naive
// reference store (a vector of documents in insertion order, full scans, a full stable sort),
// and every answer is compared, with the whole content compared periodically. Matching,
// applying modifiers, sort order and projection use the query compilers for both sides: what
// is tested is the store (ids, order, the id index and its fast path, top-k, all-or-nothing
// updates, upsert, compaction), not the compilers.
//
// The seed is fixed (kDefaultSeed) and printed; replay or explore with --gtest_random_seed=N
// (or GTEST_RANDOM_SEED=N in the environment).

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "minimongo/collection.h"
#include "query/ejson.h"
#include "query/modifier.h"
#include "query/projection.h"
#include "query/selector.h"
#include "query/sort_spec.h"
#include "query/upsert.h"
#include "query/value.h"
#include "query/value_order.h"
#include "tests/testing/status_matchers.h"

namespace minimongo {
namespace {

using ::minimongo::testing::IsOk;
using query::Value;
using query::ValueView;

// About 12 s in the fastbuild and in the ASan build alike.
constexpr int kSteps = 120000;
constexpr uint64_t kDefaultSeed = 20240613;

// The flag (or gtest's GTEST_RANDOM_SEED environment variable, which sets it), not
// UnitTest::random_seed(): without the flag that one is time-based.
uint64_t TestSeed() {
  const int32_t seed = GTEST_FLAG_GET(random_seed);
  return seed != 0 ? static_cast<uint64_t>(seed) : kDefaultSeed;
}

std::string Text(ValueView v) {
  query::EjsonOptions exact;
  exact.mark_doubles = true;
  return query::ToEjson(v, exact);
}

// Equal byte for byte: same types, same key order, same number types.
bool SameBytes(ValueView a, ValueView b) {
  return a.type() == b.type() && a.payload_size() == b.payload_size() &&
         std::memcmp(a.payload(), b.payload(), a.payload_size()) == 0;
}

std::string DocsText(const std::vector<Value>& docs) {
  std::string out = "[";
  for (size_t i = 0; i < docs.size(); ++i) {
    if (i > 0) out += ", ";
    out += Text(docs[i].view());
  }
  return out + "]";
}

// Which document differs first, for failure messages.
std::string FirstDifference(const std::vector<Value>& got, const std::vector<Value>& want) {
  for (size_t i = 0; i < std::max(got.size(), want.size()); ++i) {
    if (i >= got.size()) return fmt::format("store lacks #{}: {}", i, Text(want[i].view()));
    if (i >= want.size()) return fmt::format("store has extra #{}: {}", i, Text(got[i].view()));
    if (!SameBytes(got[i].view(), want[i].view())) {
      return fmt::format("#{}: store {} model {}", i, Text(got[i].view()), Text(want[i].view()));
    }
  }
  return "no difference";
}

bool SameDocs(const std::vector<Value>& a, const std::vector<Value>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!SameBytes(a[i].view(), b[i].view())) return false;
  }
  return true;
}

// `doc` with `id` as its first field (and no other _id).
Value IdFirst(ValueView doc, ValueView id) {
  query::ValueBuilder b;
  b.BeginObject();
  b.Key("_id");
  b.Append(id);
  for (const query::Field& f : doc.fields()) {
    if (f.key == "_id") continue;
    b.Key(f.key);
    b.Append(f.value);
  }
  EXPECT_TRUE(b.EndObject());
  return b.Finish();
}

// ---------------------------------------------------------------------------------------------
// The reference store: everything by full scan, in insertion order.

class ModelStore {
 public:
  const std::vector<Value>& docs() const { return docs_; }
  size_t size() const { return docs_.size(); }

  std::optional<size_t> IndexOf(ValueView id) const {
    for (size_t i = 0; i < docs_.size(); ++i) {
      if (query::ValuesEqual(docs_[i].view().Find("_id").value(), id)) return i;
    }
    return std::nullopt;
  }

  // The document as the store keeps it: _id first.
  absl::Status Insert(const Value& doc, ValueView id) {
    if (IndexOf(id)) return absl::AlreadyExistsError("duplicate");
    docs_.push_back(IdFirst(doc.view(), id));
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<Value>> Find(const Value& selector, const FindOptions& options,
                                          bool count_only) const {
    absl::StatusOr<query::Selector> compiled = query::Selector::Compile(selector.view());
    if (!compiled.ok()) return compiled.status();
    std::optional<query::SortSpec> sort;
    if (!options.sort.IsNull()) {
      absl::StatusOr<query::SortSpec> s = query::SortSpec::Compile(options.sort.view());
      if (!s.ok()) return s.status();
      sort = *std::move(s);
    }
    std::optional<query::Projection> projection;
    if (!options.projection.IsNull()) {
      absl::StatusOr<query::Projection> p = query::Projection::Compile(options.projection.view());
      if (!p.ok()) return p.status();
      projection = *std::move(p);
    }
    std::vector<Value> matches;
    for (const Value& doc : docs_) {
      if (compiled->Matches(doc.view())) matches.push_back(doc);
    }
    if (sort) {
      std::stable_sort(matches.begin(), matches.end(), [&](const Value& a, const Value& b) {
        return sort->Compare(a.view(), b.view()) < 0;
      });
    }
    std::vector<Value> out;
    for (size_t i = options.skip; i < matches.size(); ++i) {
      if (options.limit && out.size() >= *options.limit) break;
      if (!projection || count_only) {
        out.push_back(matches[i]);
        continue;
      }
      query::MatchDetails details;
      compiled->Matches(matches[i].view(), &details);
      out.push_back(projection->Apply(matches[i].view(), &details));
    }
    return out;
  }

  // `upserted_id`: the id the store generated for an upsert, when the document has none.
  absl::StatusOr<UpdateResult> Update(const Value& selector, const Value& modifier,
                                      const UpdateOptions& options,
                                      const std::optional<Value>& generated_id) {
    absl::StatusOr<query::Selector> compiled = query::Selector::Compile(selector.view());
    if (!compiled.ok()) return compiled.status();
    query::ModifierOptions modifier_options;
    modifier_options.array_filters = options.array_filters;
    absl::StatusOr<query::Modifier> mod =
        query::Modifier::Compile(modifier.view(), modifier_options);
    if (!mod.ok()) return mod.status();

    std::vector<size_t> matches;
    for (size_t i = 0; i < docs_.size(); ++i) {
      if (compiled->Matches(docs_[i].view())) {
        matches.push_back(i);
        if (!options.multi) break;
      }
    }
    UpdateResult result;
    if (matches.empty()) {
      if (!options.upsert) return result;
      absl::StatusOr<Value> seed = query::SeedUpsertDocument(selector.view());
      if (!seed.ok()) return seed.status();
      query::ApplyContext context;
      context.is_upsert_insert = true;
      absl::StatusOr<Value> doc = mod->Apply(seed->view(), context);
      if (!doc.ok()) return doc.status();
      Value id;
      if (std::optional<ValueView> own = doc->view().Find("_id")) {
        id = own->ToValue();
      } else if (std::optional<ValueView> seeded = seed->view().Find("_id");
                 seeded && mod->is_replacement()) {
        id = seeded->ToValue();
      } else {
        if (!generated_id) return absl::InternalError("the store generated no id");
        id = *generated_id;
      }
      absl::Status inserted = Insert(*doc, id.view());
      if (!inserted.ok()) return inserted;
      result.upserted_id = id;
      return result;
    }
    std::vector<Value> updated;
    for (size_t i : matches) {
      ValueView old_doc = docs_[i].view();
      query::MatchDetails details;
      compiled->Matches(old_doc, &details);
      query::ApplyContext context;
      context.match = &details;
      absl::StatusOr<Value> new_doc = mod->Apply(old_doc, context);
      if (!new_doc.ok()) return new_doc.status();
      ValueView old_id = old_doc.Find("_id").value();
      std::optional<ValueView> new_id = new_doc->view().Find("_id");
      if (!new_id && !mod->is_replacement()) return absl::InvalidArgumentError("_id removed");
      if (new_id && !SameBytes(*new_id, old_id)) return absl::InvalidArgumentError("_id changed");
      updated.push_back(IdFirst(new_doc->view(), old_id));
    }
    result.matched = matches.size();
    for (size_t j = 0; j < matches.size(); ++j) {
      if (SameBytes(docs_[matches[j]].view(), updated[j].view())) continue;
      docs_[matches[j]] = updated[j];
      ++result.modified;
    }
    return result;
  }

  absl::StatusOr<size_t> Remove(const Value& selector) {
    absl::StatusOr<query::Selector> compiled = query::Selector::Compile(selector.view());
    if (!compiled.ok()) return compiled.status();
    std::vector<Value> kept;
    for (const Value& doc : docs_) {
      if (!compiled->Matches(doc.view())) kept.push_back(doc);
    }
    size_t removed = docs_.size() - kept.size();
    docs_ = std::move(kept);
    return removed;
  }

 private:
  std::vector<Value> docs_;
};

// ---------------------------------------------------------------------------------------------
// Random operations.

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {
    for (int i = 0; i < 5; ++i) {
      query::ObjectId oid;
      for (size_t j = 0; j < oid.bytes.size(); ++j) oid.bytes[j] = static_cast<uint8_t>(i * 31 + j);
      oids_.push_back(oid);
    }
  }

  int Uniform(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  // An explicit _id from a pool small enough to collide: ints (sometimes as doubles or
  // int64s, the same ids), strings, ObjectIds, small objects.
  Value PoolId() {
    int i = Uniform(120);
    switch (Uniform(6)) {
      case 0:
      case 1:
        return Value::Int32(i);
      case 2:
        return Chance(0.5) ? Value::Double(i) : Value::Int64(i);
      case 3:
        return Value::String(fmt::format("id{}", i));
      case 4:
        return Value::MakeObjectId(oids_[i % oids_.size()]);
      default:
        return Value::Object({{"k", Value::Int32(i % 10)}});
    }
  }

  // An id that exists in `model` about half the time.
  Value SomeId(const ModelStore& model) {
    if (model.size() > 0 && Chance(0.6)) {
      return model.docs()[Uniform(static_cast<int>(model.size()))].view().Find("_id")->ToValue();
    }
    return PoolId();
  }

  Value SmallInt() { return Value::Int32(Uniform(6)); }

  Value FieldA() {
    switch (Uniform(6)) {
      case 0:
      case 1:
        return SmallInt();
      case 2:
        return Value::String(fmt::format("s{}", Uniform(4)));
      case 3: {
        std::vector<Value> elements;
        for (int n = Uniform(4); n > 0; --n) elements.push_back(SmallInt());
        return Value::Array(elements);
      }
      case 4:
        return Value::Null();
      default:
        return Value::Double(Uniform(6) + 0.5);
    }
  }

  Value Tags() {
    std::vector<Value> elements;
    for (int n = Uniform(4); n > 0; --n) elements.push_back(Tag());
    return Value::Array(elements);
  }
  Value Tag() { return Value::String(std::string(1, "xyz"[Uniform(3)])); }

  // A document without _id.
  Value Document() {
    std::vector<std::pair<std::string, Value>> fields;
    if (Chance(0.85)) fields.emplace_back("a", FieldA());
    if (Chance(0.85)) fields.emplace_back("b", Value::Int32(Uniform(10)));
    if (Chance(0.5)) {
      if (Chance(0.8)) {
        fields.emplace_back("c", Value::Object({{"d", SmallInt()}}));
      } else {
        fields.emplace_back("c", Value::Array({Value::Object({{"d", SmallInt()}}),
                                               Value::Object({{"d", SmallInt()}})}));
      }
    }
    if (Chance(0.6)) fields.emplace_back("tags", Chance(0.95) ? Tags() : Value::String("t"));
    // Shuffle the field order a little: it is part of the document.
    if (fields.size() > 1 && Chance(0.3)) std::swap(fields[0], fields[fields.size() - 1]);
    return Value::Object(fields);
  }

  Value Selector(const ModelStore& model) {
    switch (Uniform(16)) {
      case 0:
        return Value::Object({});
      case 1:
        return Value::Object({{"a", FieldA()}});
      case 2:
        return Value::Object({{"a", Value::Object({{Chance(0.5) ? "$gt" : "$lte", SmallInt()}})}});
      case 3:
        return Value::Object(
            {{"b", Value::Object({{"$in", Value::Array({SmallInt(), SmallInt()})}})}});
      case 4:
        return Value::Object({{"c.d", SmallInt()}});
      case 5:
        return Value::Object({{"tags", Tag()}});
      case 6:
        return Value::Object({{"a", Value::Object({{"$exists", Value::Bool(Chance(0.5))}})}});
      case 7:
      case 8:
        return Value::Object({{"_id", SomeId(model)}});
      case 9: {
        std::vector<Value> ids;
        for (int n = Uniform(5); n > 0; --n) ids.push_back(SomeId(model));
        return Value::Object({{"_id", Value::Object({{"$in", Value::Array(ids)}})}});
      }
      case 10:
        return Value::Object({{"$or", Value::Array({Value::Object({{"b", SmallInt()}}),
                                                    Value::Object({{"a", FieldA()}})})}});
      case 11:
        return Value::Object({{"a", SmallInt()}, {"b", Value::Object({{"$gte", SmallInt()}})}});
      case 12:
        return Value::Object(
            {{"$and",
              Value::Array(
                  {Value::Object(
                       {{"_id", Value::Object({{"$in", Value::Array({SomeId(model), SomeId(model),
                                                                     SomeId(model)})}})}}),
                   Value::Object({{"b", Value::Object({{"$lt", SmallInt()}})}})})}});
      case 13:
        return Value::Object({{"b", Value::Object({{"$gte", Value::Int32(Uniform(12))}})}});
      case 14:
        // A bad selector now and then.
        if (Chance(0.2)) return Value::Object({{"a", Value::Object({{"$bad", SmallInt()}})}});
        return Value::Object({{"a", Value::Null()}});
      default:
        return Value::Object({{"_id", Value::Object({{"$ne", SomeId(model)}})}, {"b", SmallInt()}});
    }
  }

  Value Modifier() {
    switch (Uniform(14)) {
      case 0:
        return Value::Object({{"$set", Value::Object({{"a", FieldA()}})}});
      case 1:
        return Value::Object({{"$set", Value::Object({{"c.d", SmallInt()}})}});
      case 2:
      case 3:
        return Value::Object({{"$inc", Value::Object({{"b", Value::Int32(Uniform(5) - 2)}})}});
      case 4:
        return Value::Object(
            {{"$unset", Value::Object({{Chance(0.5) ? "a" : "tags", Value::String("")}})}});
      case 5:
        return Value::Object({{"$push", Value::Object({{"tags", Tag()}})}});
      case 6:
        return Value::Object({{"$pull", Value::Object({{"tags", Tag()}})}});
      case 7:
        return Value::Object({{"$addToSet", Value::Object({{"tags", Tag()}})}});
      case 8:
        return Value::Object({{"$set", Value::Object({{"b", SmallInt()}})},
                              {"$inc", Value::Object({{"n", Value::Int32(1)}})}});
      case 9:
        // A replacement document.
        return Value::Object({{"a", FieldA()}, {"b", Value::Int32(Uniform(10))}});
      case 10:
        return Value::Object({{"$set", Value::Object({{"b", SmallInt()}})},
                              {"$setOnInsert", Value::Object({{"fresh", Value::Bool(true)}})}});
      case 11:
        // Makes later $inc of b fail on this document.
        return Value::Object(
            {{"$set", Value::Object({{"b", Chance(0.3) ? Value::String("str") : SmallInt()}})}});
      case 12:
        // Positional: fails unless the selector matched through an array.
        return Value::Object({{"$set", Value::Object({{"tags.$", Value::String("w")}})}});
      default:
        return Value::Object(
            {{"$pull", Value::Object({{"a", Value::Object({{"$gte", SmallInt()}})}})}});
    }
  }

  Value Sort() {
    switch (Uniform(7)) {
      case 0:
        return Value::Object({{"a", Value::Int32(1)}});
      case 1:
        return Value::Object({{"b", Value::Int32(-1)}, {"a", Value::Int32(1)}});
      case 2:
        return Value::Object({{"c.d", Value::Int32(1)}});
      case 3:
        return Value::Object({{"tags", Value::Int32(-1)}});
      case 4:
        return Value::Object({{"_id", Value::Int32(1)}});
      case 5:
        return Value::Object({{"b", Value::Int32(1)}});
      default:
        return Value::Object({});
    }
  }

  Value Projection() {
    switch (Uniform(4)) {
      case 0:
        return Value::Object({{"a", Value::Int32(1)}});
      case 1:
        return Value::Object({{"b", Value::Int32(0)}, {"tags", Value::Int32(0)}});
      case 2:
        return Value::Object({{"c.d", Value::Int32(1)}});
      default:
        return Value::Object({{"_id", Value::Int32(0)}, {"b", Value::Int32(1)}});
    }
  }

  FindOptions Find() {
    FindOptions o;
    if (Chance(0.6)) o.sort = Sort();
    if (Chance(0.3)) o.skip = Uniform(20);
    if (Chance(0.5)) o.limit = Uniform(12);
    if (Chance(0.2)) o.projection = Projection();
    return o;
  }

 private:
  std::mt19937_64 rng_;
  std::vector<query::ObjectId> oids_;
};

// ---------------------------------------------------------------------------------------------
// The test.

// What the random run exercised, so that a generator that drifts into trivial operations
// (everything failing, nothing matching) is caught.
struct Stats {
  int inserted = 0;
  int duplicates = 0;
  int updates_matched = 0;
  int updates_multi_matched = 0;
  int updates_unmodified = 0;
  int upserts = 0;
  int update_errors = 0;
  int removed = 0;
  int nonempty_finds = 0;
  int sorted_limited_finds = 0;
  int compactions = 0;
};

class CollectionModelTest : public ::testing::Test {
 protected:
  CollectionModelTest() : seed_(TestSeed()), gen_(seed_) {
    CollectionOptions options;
    options.id_seed = seed_;
    options.now_millis = [] { return int64_t{0}; };
    store_ = std::make_unique<Collection>("model", options);
  }

  std::string Where(std::string_view op) const {
    return fmt::format("step {} ({}), seed {} (replay with --gtest_random_seed={})", step_, op,
                       seed_, seed_);
  }

  std::vector<Value> StoreDocs() const {
    std::vector<Value> out;
    store_->ForEachDocument([&](const Value& d) { out.push_back(d); });
    return out;
  }

  void CompareAll() {
    std::vector<Value> got = StoreDocs();
    ASSERT_EQ(store_->size(), model_.size()) << Where("full compare");
    ASSERT_TRUE(SameDocs(got, model_.docs()))
        << Where("full compare") << ": " << FirstDifference(got, model_.docs());
    // Every id answers through the index.
    for (const Value& doc : model_.docs()) {
      ValueView id = doc.view().Find("_id").value();
      std::optional<Value> found = store_->FindById(id);
      ASSERT_TRUE(found && SameBytes(found->view(), doc.view()))
          << Where("full compare") << ": FindById " << Text(id);
    }
  }

  void StepInsert(bool with_id) {
    Value doc = gen_.Document();
    std::optional<Value> id;
    if (with_id) {
      id = gen_.PoolId();
      // Put _id somewhere in the middle: the store moves it first.
      std::vector<std::pair<std::string, Value>> fields;
      bool placed = false;
      for (const query::Field& f : doc.view().fields()) {
        if (!placed && gen_.Chance(0.5)) {
          fields.emplace_back("_id", *id);
          placed = true;
        }
        fields.emplace_back(std::string(f.key), f.value.ToValue());
      }
      if (!placed) fields.emplace_back("_id", *id);
      doc = Value::Object(fields);
    }
    absl::StatusOr<Value> got = store_->Insert(doc);
    const std::string what = fmt::format("insert {}", Text(doc.view()));
    if (with_id) {
      absl::Status want = model_.Insert(doc, id->view());
      ASSERT_EQ(got.status().code(), want.code()) << Where(what) << ": " << got.status();
      if (got.ok()) {
        ASSERT_TRUE(SameBytes(got->view(), id->view())) << Where(what);
        ++stats_.inserted;
      } else {
        ++stats_.duplicates;
        CompareAll();
      }
      return;
    }
    ASSERT_THAT(got, IsOk()) << Where(what);
    ASSERT_TRUE(got->IsString() && got->view().AsString().size() == 17)
        << Where(what) << ": generated " << Text(got->view());
    ASSERT_THAT(model_.Insert(doc, got->view()), IsOk()) << Where(what) << ": id reused";
    ++stats_.inserted;
  }

  void StepUpdate() {
    Value selector = gen_.Selector(model_);
    Value modifier = gen_.Modifier();
    UpdateOptions options;
    options.multi = gen_.Chance(0.4);
    options.upsert = gen_.Chance(0.25);
    const std::string what = fmt::format("update {} {} multi={} upsert={}", Text(selector.view()),
                                         Text(modifier.view()), options.multi, options.upsert);
    absl::StatusOr<UpdateResult> got = store_->Update(selector, modifier, options);
    std::optional<Value> generated;
    if (got.ok() && got->upserted_id) generated = *got->upserted_id;
    absl::StatusOr<UpdateResult> want = model_.Update(selector, modifier, options, generated);
    ASSERT_EQ(got.status().code(), want.status().code())
        << Where(what) << ": store " << got.status() << ", model " << want.status();
    if (!got.ok()) {
      ++stats_.update_errors;
      CompareAll();
      return;
    }
    if (got->matched > 0) ++stats_.updates_matched;
    if (got->matched > 1) ++stats_.updates_multi_matched;
    if (got->matched > got->modified) ++stats_.updates_unmodified;
    if (got->upserted_id) ++stats_.upserts;
    EXPECT_EQ(got->matched, want->matched) << Where(what);
    EXPECT_EQ(got->modified, want->modified) << Where(what);
    ASSERT_EQ(got->upserted_id.has_value(), want->upserted_id.has_value()) << Where(what);
    if (got->upserted_id) {
      ASSERT_TRUE(SameBytes(got->upserted_id->view(), want->upserted_id->view())) << Where(what);
      std::optional<Value> stored = store_->FindById(got->upserted_id->view());
      ASSERT_TRUE(stored && SameBytes(stored->view(), model_.docs().back().view()))
          << Where(what) << ": upserted " << (stored ? Text(stored->view()) : "nothing")
          << ", model " << Text(model_.docs().back().view());
    }
  }

  void StepRemove(const Value& selector) {
    const std::string what = fmt::format("remove {}", Text(selector.view()));
    absl::StatusOr<size_t> got = store_->Remove(selector);
    absl::StatusOr<size_t> want = model_.Remove(selector);
    ASSERT_EQ(got.status().code(), want.status().code()) << Where(what) << ": " << got.status();
    if (got.ok()) {
      ASSERT_EQ(*got, *want) << Where(what);
      ASSERT_EQ(store_->size(), model_.size()) << Where(what);
      stats_.removed += static_cast<int>(*got);
    } else {
      CompareAll();
    }
  }

  void StepFind(bool count_only) {
    Value selector = gen_.Selector(model_);
    FindOptions options = gen_.Find();
    const std::string what = fmt::format(
        "{} {} sort={} skip={} limit={} fields={}", count_only ? "count" : "find",
        Text(selector.view()), Text(options.sort.view()), options.skip,
        options.limit ? std::to_string(*options.limit) : "none", Text(options.projection.view()));
    absl::StatusOr<Cursor> cursor = store_->Find(selector, options);
    absl::StatusOr<std::vector<Value>> want = model_.Find(selector, options, count_only);
    ASSERT_EQ(cursor.status().code(), want.status().code())
        << Where(what) << ": " << cursor.status();
    if (!cursor.ok()) return;
    if (count_only) {
      ASSERT_EQ(cursor->Count(), want->size()) << Where(what);
      return;
    }
    std::vector<Value> got = cursor->Fetch();
    if (!got.empty()) ++stats_.nonempty_finds;
    if (!options.sort.IsNull() && options.limit && got.size() == *options.limit &&
        *options.limit > 0) {
      ++stats_.sorted_limited_finds;
    }
    ASSERT_TRUE(SameDocs(got, *want))
        << Where(what) << ": " << FirstDifference(got, *want) << "\nstore " << DocsText(got)
        << "\nmodel " << DocsText(*want);
  }

  void StepFindById() {
    Value id = gen_.SomeId(model_);
    // The same id in another numeric type finds the same document.
    if (id.type() == query::Type::kInt32 && gen_.Chance(0.5)) {
      id = Value::Double(id.view().AsInt32());
    }
    std::optional<Value> got = store_->FindById(id.view());
    std::optional<size_t> want = model_.IndexOf(id.view());
    ASSERT_EQ(got.has_value(), want.has_value())
        << Where(fmt::format("FindById {}", Text(id.view())));
    if (got) {
      ASSERT_TRUE(SameBytes(got->view(), model_.docs()[*want].view()))
          << Where(fmt::format("FindById {}", Text(id.view())));
    }
  }

  // Many inserts then removing them all: enough tombstones to compact the slots.
  void StepBulk() {
    const int n = 1200 + gen_.Uniform(600);
    for (int i = 0; i < n; ++i) {
      Value doc = Value::Object({{"bulk", Value::Int32(i)}, {"b", Value::Int32(i % 10)}});
      absl::StatusOr<Value> id = store_->Insert(doc);
      ASSERT_THAT(id, IsOk()) << Where("bulk insert");
      ASSERT_THAT(model_.Insert(doc, id->view()), IsOk()) << Where("bulk insert");
    }
    CompareAll();
    if (HasFatalFailure()) return;
    // Remove them in two rounds, so that the first round leaves holes.
    StepRemove(Value::Object({{"bulk", Value::Object({{"$lt", Value::Int32(n / 3)}})}}));
    if (HasFatalFailure()) return;
    CompareAll();
    if (HasFatalFailure()) return;
    const size_t bytes_before = store_->MemoryBytes();
    StepRemove(Value::Object({{"bulk", Value::Object({{"$exists", Value::Bool(true)}})}}));
    if (HasFatalFailure()) return;
    // The slot vector shrank: the tombstones were compacted away.
    if (store_->MemoryBytes() < bytes_before / 2) ++stats_.compactions;
    CompareAll();
  }

  uint64_t seed_;
  Generator gen_;
  std::unique_ptr<Collection> store_;
  ModelStore model_;
  Stats stats_;
  int step_ = 0;
};

TEST_F(CollectionModelTest, RandomOperationsAgreeWithANaiveStore) {
  std::cout << "collection model test: seed " << seed_ << " (replay with --gtest_random_seed="
            << seed_ << ")" << std::endl;
  SCOPED_TRACE(fmt::format("random seed {} (replay with --gtest_random_seed={})", seed_, seed_));
  ::testing::Test::RecordProperty("seed", std::to_string(seed_));
  for (step_ = 0; step_ < kSteps && !HasFailure(); ++step_) {
    if (step_ % 500 == 499) {
      CompareAll();
      continue;
    }
    if (step_ % 20000 == 10000) {
      StepBulk();
      continue;
    }
    int r = gen_.Uniform(100);
    if (model_.size() > 400 && r < 10) {
      StepRemove(gen_.Selector(model_));
    } else if (r < 14) {
      StepInsert(/*with_id=*/false);
    } else if (r < 28) {
      StepInsert(/*with_id=*/true);
    } else if (r < 52) {
      StepUpdate();
    } else if (r < 58) {
      StepRemove(gen_.Selector(model_));
    } else if (r < 84) {
      StepFind(/*count_only=*/false);
    } else if (r < 92) {
      StepFind(/*count_only=*/true);
    } else {
      StepFindById();
    }
  }
  if (HasFailure()) return;
  CompareAll();
  std::cout << fmt::format(
      "{} steps: {} inserted, {} duplicate ids, {} updates matched ({} several, {} with "
      "unmodified documents), {} upserts, {} rejected updates, {} removed, {} non-empty finds, "
      "{} full sorted+limited finds, {} compactions\n",
      kSteps, stats_.inserted, stats_.duplicates, stats_.updates_matched,
      stats_.updates_multi_matched, stats_.updates_unmodified, stats_.upserts, stats_.update_errors,
      stats_.removed, stats_.nonempty_finds, stats_.sorted_limited_finds, stats_.compactions);
  // The mix must keep exercising every path (bounds far below the usual counts).
  const int scale = kSteps / 1000;
  EXPECT_GT(stats_.inserted, 20 * scale);
  EXPECT_GT(stats_.duplicates, 2 * scale);
  EXPECT_GT(stats_.updates_matched, 20 * scale);
  EXPECT_GT(stats_.updates_multi_matched, 5 * scale);
  EXPECT_GT(stats_.updates_unmodified, 2 * scale);
  EXPECT_GT(stats_.upserts, 2 * scale);
  EXPECT_GT(stats_.update_errors, 2 * scale);
  EXPECT_GT(stats_.removed, 20 * scale);
  EXPECT_GT(stats_.nonempty_finds, 50 * scale);
  EXPECT_GT(stats_.sorted_limited_finds, 10 * scale);
  EXPECT_GE(stats_.compactions, kSteps / 20000);
}

}  // namespace
}  // namespace minimongo
