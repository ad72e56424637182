// A randomized model test of live queries: many observers (random selectors over a few fields
// including arrays and sub-documents, random sorts, skips, limits and projections; ordered and
// unordered; observeChanges and observe with indices) follow a long random sequence of writes
// (inserts, updates with array modifiers, replacements, multi-updates, upserts, removes,
// paused batches, observers started and stopped on the way, nested writes and stops from
// inside callbacks). Each observer keeps a mirror built only from the events it receives,
// checking the protocol as it goes (no add of a present id, no change or move of an absent one,
// `before` and indices that agree with the mirror, `changed` only with fields that really
// changed, nothing while paused); after every write each mirror must equal re-running the query
// with Find (in order, for ordered observers).
//
// The seed is fixed and printed; replay or explore with --gtest_random_seed=N.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <map>
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
#include "gtest/gtest.h"
#include "minimongo/collection.h"
#include "minimongo/observe.h"
#include "query/ejson.h"
#include "query/value.h"

namespace minimongo {
namespace {

using query::Value;
using query::ValueView;

// About 90 s in the fastbuild (-O0; most of it re-running the queries to check), 50 s with
// ASan (-O1).
constexpr int kWrites = 100000;
constexpr uint64_t kDefaultSeed = 20240917;
constexpr int kIdPool = 24;
constexpr size_t kMaxObservers = 24;

uint64_t TestSeed() {
  // The flag, not UnitTest::random_seed(): without the flag that one is time-based.
  const int32_t seed = GTEST_FLAG_GET(random_seed);
  return seed != 0 ? static_cast<uint64_t>(seed) : kDefaultSeed;
}

// Exact text of a value (doubles marked, so 1 and 1.0 differ).
std::string Text(ValueView v) {
  query::EjsonOptions exact;
  exact.mark_doubles = true;
  return query::ToEjson(v, exact);
}

Value Parse(const std::string& text) {
  absl::StatusOr<Value> v = query::ParseEjson(text);
  if (!v.ok()) {
    ADD_FAILURE() << "bad generated EJSON " << text << ": " << v.status();
    return Value();
  }
  return *std::move(v);
}

// A value compared byte for byte (same type, same encoding: 1 and 1.0 differ).
struct Exact {
  Value value;
  friend bool operator==(const Exact& a, const Exact& b) {
    ValueView x = a.value.view(), y = b.value.view();
    return x.type() == y.type() && x.payload_size() == y.payload_size() &&
           std::memcmp(x.payload(), y.payload(), x.payload_size()) == 0;
  }
};

// A document as a map of its top-level fields (top-level field order is not observed).
using FieldMap = std::map<std::string, Exact, std::less<>>;

FieldMap Fields(ValueView doc, bool drop_id) {
  FieldMap out;
  for (const query::Field& f : doc.fields()) {
    if (drop_id && f.key == "_id") continue;
    out.emplace(std::string(f.key), Exact{f.value.ToValue()});
  }
  return out;
}

std::string MapText(const FieldMap& m) {
  std::string out = "{";
  for (const auto& [k, v] : m) out += k + ": " + Text(v.value.view()) + ", ";
  return out + "}";
}

// A cheap readable key for an id (the test's ids are small integers or generated strings).
std::string Key(ValueView id) {
  if (id.type() == query::Type::kInt32) return std::to_string(id.AsInt32());
  if (id.IsString()) return "'" + std::string(id.AsString()) + "'";
  return Text(id);
}

enum class Kind { kChanges, kOrderedChanges, kDocs, kIndexedDocs };

struct Spec {
  std::string selector;
  std::string sort = "null";
  size_t skip = 0;
  std::optional<size_t> limit;
  std::string projection = "null";
  Kind kind = Kind::kChanges;

  std::string Describe() const {
    static const char* kKinds[] = {"changes", "ordered changes", "docs", "indexed docs"};
    return fmt::format("{} selector {} sort {} skip {} limit {} projection {}",
                       kKinds[static_cast<int>(kind)], selector, sort, skip,
                       limit ? std::to_string(*limit) : "none", projection);
  }
};

class Harness;

// An observer and the mirror of its result, built from its events only.
struct Mirror {
  Spec spec;
  bool ordered = false;
  bool docs = false;
  std::vector<std::string> order;        // id keys, in result order (ordered observers)
  std::map<std::string, FieldMap> content;  // id key -> fields (docs: with _id)
  std::string error;                     // the first protocol violation
  std::optional<Cursor> query;           // the same query, compiled once, for the checks
  ObserveHandle handle;
  bool stopped_itself = false;
  bool writer = false;   // makes nested writes from its callbacks
  bool stopper = false;  // may stop itself from a callback
  Harness* harness = nullptr;

  void Fail(const std::string& what) {
    if (error.empty()) error = what;
  }
  long Position(const std::string& key) const {
    auto it = std::find(order.begin(), order.end(), key);
    return it == order.end() ? -1 : static_cast<long>(it - order.begin());
  }
};

class Harness {
 public:
  explicit Harness(uint64_t seed) : rng_(seed) {}

  void Run(int writes);

  // Called by the callbacks of every observer.
  void OnCallback(Mirror* m);

 private:
  uint64_t R(uint64_t n) { return rng_() % n; }
  bool Chance(int percent) { return static_cast<int>(R(100)) < percent; }

  std::string RandomId() { return std::to_string(R(kIdPool)); }
  std::string RandomScalarA() { return std::to_string(R(4)); }
  std::string RandomTags() {
    std::string out = "[";
    const int n = static_cast<int>(R(4));
    for (int i = 0; i < n; ++i) out += (i ? "," : "") + std::to_string(R(4));
    return out + "]";
  }
  std::string RandomA() {
    const int k = static_cast<int>(R(10));
    if (k < 7) return RandomScalarA();
    if (k < 9) return RandomTags();
    return "\"s\"";
  }
  std::string RandomB() {
    static const char* kB[] = {"\"x\"", "\"y\"", "\"z\""};
    return kB[R(3)];
  }
  std::string RandomN() {
    return Chance(70) ? std::to_string(R(10)) : fmt::format("{}.5", R(10));
  }
  std::string RandomC() {
    if (Chance(70)) return fmt::format("{{\"x\": {}}}", R(3));
    return fmt::format("[{{\"x\": {}}}, {{\"x\": {}}}]", R(3), R(3));
  }
  std::string RandomDocBody() {
    std::string out;
    auto field = [&](const std::string& k, const std::string& v) {
      if (!out.empty()) out += ", ";
      out += "\"" + k + "\": " + v;
    };
    if (Chance(85)) field("a", RandomA());
    if (Chance(75)) field("b", RandomB());
    if (Chance(60)) field("c", RandomC());
    if (Chance(70)) field("tags", RandomTags());
    if (Chance(90)) field("n", RandomN());
    return out;
  }
  std::string RandomDoc() {
    std::string body = RandomDocBody();
    if (Chance(5)) return "{" + body + "}";  // a generated _id
    return "{\"_id\": " + RandomId() + (body.empty() ? "" : ", ") + body + "}";
  }

  std::string RandomSelector() {
    switch (R(18)) {
      case 0: return "{}";
      case 1: return fmt::format("{{\"a\": {}}}", R(4));
      case 2: return fmt::format("{{\"a\": {{\"$gt\": {}}}}}", R(4));
      case 3: return fmt::format("{{\"b\": {}}}", RandomB());
      case 4: return fmt::format("{{\"tags\": {}}}", R(4));
      case 5: return fmt::format("{{\"c.x\": {}}}", R(3));
      case 6: return fmt::format("{{\"a\": {{\"$in\": [{}, {}]}}}}", R(4), R(4));
      case 7: return fmt::format("{{\"$or\": [{{\"a\": {}}}, {{\"b\": {}}}]}}", R(4), RandomB());
      case 8: return fmt::format("{{\"_id\": {}}}", RandomId());
      case 9: return fmt::format("{{\"_id\": {{\"$in\": [{}, {}, {}]}}}}", RandomId(), RandomId(),
                                 RandomId());
      case 10: return fmt::format("{{\"a\": {}, \"b\": {}}}", R(4), RandomB());
      case 11: return fmt::format("{{\"n\": {{\"$lt\": {}}}}}", R(10));
      case 12: return "{\"tags\": {\"$size\": 2}}";
      case 13: return "{\"b\": {\"$exists\": false}}";
      case 14: return fmt::format("{{\"tags\": {{\"$all\": [{}]}}, \"n\": {{\"$gte\": {}}}}}", R(4),
                                  R(10));
      case 15: return fmt::format("{{\"c\": {{\"$elemMatch\": {{\"x\": {}}}}}}}", R(3));
      // Several equality constraints: routed on one, the others prefilter the candidates.
      case 16: return fmt::format("{{\"a\": {}, \"b\": {{\"$in\": [{}, {}]}}, \"c.x\": {}}}", R(4),
                                  RandomB(), RandomB(), R(3));
      default: return fmt::format("{{\"tags\": {}, \"a\": {{\"$in\": [{}, {}]}}}}", R(4), R(4), R(4));
    }
  }
  std::string RandomSort() {
    static const char* kSorts[] = {"null", "{\"n\": 1}", "{\"n\": -1, \"a\": 1}", "{\"c.x\": 1}",
                                   "{\"b\": 1, \"n\": -1}", "{\"tags\": 1}", "{\"a\": -1}"};
    return kSorts[R(7)];
  }
  std::string RandomProjection(const std::string& selector) {
    switch (R(9)) {
      case 0: return "{\"a\": 1}";
      case 1: return "{\"b\": 0}";
      case 2: return "{\"a\": 1, \"c.x\": 1}";
      case 3: return "{\"tags\": {\"$slice\": 1}}";
      case 4: return "{\"n\": 0, \"tags\": 0}";
      case 5:
        if (selector.find("tags") != std::string::npos) return "{\"tags.$\": 1, \"n\": 1}";
        return "null";
      default: return "null";
    }
  }
  Spec RandomSpec() {
    if (!mirrors_.empty() && Chance(30)) {
      Spec copy = mirrors_[R(mirrors_.size())]->spec;  // shares a live query (or its state)
      if (Chance(30)) copy.kind = static_cast<Kind>(R(4));
      return copy;
    }
    Spec s;
    s.selector = RandomSelector();
    s.kind = static_cast<Kind>(R(4));
    if (Chance(70)) s.sort = RandomSort();
    if (Chance(30)) s.skip = R(4);
    if (Chance(50)) s.limit = R(6);
    s.projection = Chance(45) ? RandomProjection(s.selector) : "null";
    return s;
  }
  std::string RandomModifier() {
    switch (R(14)) {
      case 0: return fmt::format("{{\"$set\": {{\"a\": {}}}}}", RandomA());
      case 1: return fmt::format("{{\"$set\": {{\"b\": {}, \"n\": {}}}}}", RandomB(), RandomN());
      case 2: return "{\"$unset\": {\"b\": 1}}";
      case 3: return fmt::format("{{\"$inc\": {{\"n\": {}}}}}", static_cast<int>(R(5)) - 2);
      case 4: return fmt::format("{{\"$push\": {{\"tags\": {}}}}}", R(4));
      case 5: return fmt::format("{{\"$pull\": {{\"tags\": {}}}}}", R(4));
      case 6: return fmt::format("{{\"$addToSet\": {{\"tags\": {}}}}}", R(4));
      case 7: return Chance(50) ? "{\"$pop\": {\"tags\": 1}}" : "{\"$pop\": {\"tags\": -1}}";
      case 8: return fmt::format("{{\"$set\": {{\"c.x\": {}}}}}", R(3));
      case 9: return "{" + RandomDocBody() + "}";  // replacement
      case 10: return fmt::format("{{\"$set\": {{\"tags\": {}}}}}", RandomTags());
      case 11: return Chance(50) ? "{\"$rename\": {\"b\": \"d\"}}" : "{\"$rename\": {\"d\": \"b\"}}";
      case 12: return fmt::format("{{\"$set\": {{\"n\": {}}}, \"$unset\": {{\"c\": 1}}}}", RandomN());
      default: return fmt::format("{{\"$max\": {{\"n\": {}}}}}", RandomN());
    }
  }

  // One random write; errors (duplicate ids, type errors) are part of the test.
  void RandomWrite();
  void StartObserver(const Spec& spec);
  void StopRandomObserver();
  // Checks every live mirror against Find; false on the first mismatch (reported).
  bool CheckAll(int step);

  std::mt19937_64 rng_;
  Collection collection_{"model"};
  std::vector<std::unique_ptr<Mirror>> mirrors_;
  bool paused_ = false;
  int nested_budget_ = 0;
  int in_callback_ = 0;

 public:
  // Statistics, printed at the end: a test that never exercised a path proves nothing.
  std::map<std::string, long> stats;
};

void Harness::OnCallback(Mirror* m) {
  ++stats["callbacks"];
  if (paused_) m->Fail("a callback ran while observers were paused");
  ++in_callback_;
  if (m->writer && nested_budget_ > 0 && Chance(20)) {
    --nested_budget_;
    ++stats["nested writes"];
    RandomWrite();
  }
  if (m->stopper && !m->stopped_itself && Chance(2)) {
    ++stats["stops from callbacks"];
    m->stopped_itself = true;
    m->handle.Stop();
  }
  --in_callback_;
}

void Harness::StartObserver(const Spec& spec) {
  auto m = std::make_unique<Mirror>();
  Mirror* mp = m.get();
  mp->spec = spec;
  mp->harness = this;
  mp->ordered = spec.kind == Kind::kOrderedChanges || spec.kind == Kind::kIndexedDocs;
  mp->docs = spec.kind == Kind::kDocs || spec.kind == Kind::kIndexedDocs;
  mp->writer = Chance(15);
  mp->stopper = Chance(10);
  const bool suppress = !paused_ && Chance(10);

  ObserveOptions options;
  options.sort = Parse(spec.sort);
  options.skip = spec.skip;
  options.limit = spec.limit;
  options.projection = Parse(spec.projection);
  options.suppress_initial = suppress;
  if (suppress) {
    // The mirror starts from the query's result, as the observer's own view would.
    FindOptions find;
    find.sort = options.sort;
    find.skip = spec.skip;
    find.limit = spec.limit;
    find.projection = options.projection;
    absl::StatusOr<Cursor> cursor = collection_.Find(Parse(spec.selector), find);
    ASSERT_TRUE(cursor.ok()) << cursor.status();
    for (const Value& d : cursor->Fetch()) {
      const std::string key = Key(*d.view().Find("_id"));
      mp->order.push_back(key);
      mp->content[key] = Fields(d.view(), !mp->docs);
    }
  }

  auto key_of = [](ValueView id) { return Key(id); };
  absl::StatusOr<ObserveHandle> handle;
  if (!mp->docs) {
    ObserveChangesCallbacks cb;
    auto add = [mp, key_of](ValueView id, ValueView fields, std::optional<ValueView> before) {
      const std::string key = key_of(id);
      if (mp->content.count(key)) return mp->Fail("added an id already present: " + key);
      mp->content[key] = Fields(fields, false);
      if (!mp->ordered) return;
      if (!before) {
        mp->order.push_back(key);
        return;
      }
      const long pos = mp->Position(key_of(*before));
      if (pos < 0) return mp->Fail("addedBefore an absent id " + key_of(*before));
      mp->order.insert(mp->order.begin() + pos, key);
    };
    if (mp->ordered) {
      cb.added_before = [mp, add](ValueView id, ValueView fields, std::optional<ValueView> before) {
        add(id, fields, before);
        mp->harness->OnCallback(mp);
      };
      cb.moved_before = [mp, key_of](ValueView id, std::optional<ValueView> before) {
        const std::string key = key_of(id);
        const long from = mp->Position(key);
        if (from < 0) return mp->Fail("movedBefore of an absent id " + key);
        mp->order.erase(mp->order.begin() + from);
        if (!before) {
          mp->order.push_back(key);
        } else {
          const long pos = mp->Position(key_of(*before));
          if (pos < 0) return mp->Fail("movedBefore an absent id " + key_of(*before));
          mp->order.insert(mp->order.begin() + pos, key);
        }
        mp->harness->OnCallback(mp);
      };
    } else {
      cb.added = [mp, add](ValueView id, ValueView fields) {
        add(id, fields, std::nullopt);
        mp->harness->OnCallback(mp);
      };
    }
    cb.changed = [mp, key_of](ValueView id, ValueView fields, const std::vector<std::string>& cleared) {
      const std::string key = key_of(id);
      auto it = mp->content.find(key);
      if (it == mp->content.end()) return mp->Fail("changed of an absent id " + key);
      if (fields.empty() && cleared.empty()) return mp->Fail("changed with nothing changed");
      for (const query::Field& f : fields.fields()) {
        Exact v{f.value.ToValue()};
        auto old = it->second.find(f.key);
        if (old != it->second.end() && old->second == v) {
          return mp->Fail("changed reports an unchanged field " + std::string(f.key));
        }
        it->second[std::string(f.key)] = std::move(v);
      }
      for (const std::string& c : cleared) {
        if (!it->second.erase(c)) return mp->Fail("changed clears an absent field " + c);
      }
      mp->harness->OnCallback(mp);
    };
    cb.removed = [mp, key_of](ValueView id) {
      const std::string key = key_of(id);
      if (!mp->content.erase(key)) return mp->Fail("removed of an absent id " + key);
      if (mp->ordered) {
        const long pos = mp->Position(key);
        if (pos < 0) return mp->Fail("removed an id missing from the order " + key);
        mp->order.erase(mp->order.begin() + pos);
      }
      mp->harness->OnCallback(mp);
    };
    handle = collection_.ObserveChanges(Parse(spec.selector), options, std::move(cb));
  } else {
    ObserveCallbacks cb;
    auto id_key = [](const Value& doc) { return Key(*doc.view().Find("_id")); };
    if (mp->ordered) {
      cb.added_at = [mp, id_key, key_of](const Value& doc, size_t index,
                                         std::optional<ValueView> before) {
        const std::string key = id_key(doc);
        if (mp->content.count(key)) return mp->Fail("addedAt an id already present: " + key);
        const size_t expected = before ? mp->Position(key_of(*before)) : mp->order.size();
        if (before && mp->Position(key_of(*before)) < 0) return mp->Fail("addedAt before an absent id");
        if (index != expected) return mp->Fail(fmt::format("addedAt index {} expected {}", index, expected));
        mp->order.insert(mp->order.begin() + index, key);
        mp->content[key] = Fields(doc.view(), false);
        mp->harness->OnCallback(mp);
      };
      cb.changed_at = [mp, id_key](const Value& doc, const Value& old, size_t index) {
        const std::string key = id_key(doc);
        if (index >= mp->order.size() || mp->order[index] != key) {
          return mp->Fail(fmt::format("changedAt index {} is not {}", index, key));
        }
        if (mp->content[key] != Fields(old.view(), false)) return mp->Fail("changedAt old doc differs");
        FieldMap now = Fields(doc.view(), false);
        if (now == mp->content[key]) return mp->Fail("changedAt without a visible change");
        mp->content[key] = std::move(now);
        mp->harness->OnCallback(mp);
      };
      cb.removed_at = [mp, id_key](const Value& old, size_t index) {
        const std::string key = id_key(old);
        if (index >= mp->order.size() || mp->order[index] != key) {
          return mp->Fail(fmt::format("removedAt index {} is not {}", index, key));
        }
        if (mp->content[key] != Fields(old.view(), false)) return mp->Fail("removedAt old doc differs");
        mp->order.erase(mp->order.begin() + index);
        mp->content.erase(key);
        mp->harness->OnCallback(mp);
      };
      cb.moved_to = [mp, id_key, key_of](const Value& doc, size_t from, size_t to,
                                         std::optional<ValueView> before) {
        const std::string key = id_key(doc);
        if (from >= mp->order.size() || mp->order[from] != key) {
          return mp->Fail(fmt::format("movedTo from {} is not {}", from, key));
        }
        mp->order.erase(mp->order.begin() + from);
        if (to > mp->order.size()) return mp->Fail("movedTo past the end");
        mp->order.insert(mp->order.begin() + to, key);
        const bool before_ok = before ? to + 1 < mp->order.size() && mp->order[to + 1] == key_of(*before)
                                      : to + 1 == mp->order.size();
        if (!before_ok) return mp->Fail("movedTo index and before disagree");
        if (mp->content[key] != Fields(doc.view(), false)) return mp->Fail("movedTo doc differs");
        mp->harness->OnCallback(mp);
      };
    } else {
      cb.added = [mp, id_key](const Value& doc) {
        const std::string key = id_key(doc);
        if (mp->content.count(key)) return mp->Fail("added an id already present: " + key);
        mp->content[key] = Fields(doc.view(), false);
        mp->harness->OnCallback(mp);
      };
      cb.changed = [mp, id_key](const Value& doc, const Value& old) {
        const std::string key = id_key(doc);
        auto it = mp->content.find(key);
        if (it == mp->content.end()) return mp->Fail("changed of an absent id " + key);
        if (it->second != Fields(old.view(), false)) return mp->Fail("changed old doc differs");
        FieldMap now = Fields(doc.view(), false);
        if (now == it->second) return mp->Fail("changed without a visible change");
        it->second = std::move(now);
        mp->harness->OnCallback(mp);
      };
      cb.removed = [mp, id_key](const Value& old) {
        const std::string key = id_key(old);
        auto it = mp->content.find(key);
        if (it == mp->content.end()) return mp->Fail("removed of an absent id " + key);
        if (it->second != Fields(old.view(), false)) return mp->Fail("removed old doc differs");
        mp->content.erase(it);
        mp->harness->OnCallback(mp);
      };
    }
    handle = collection_.Observe(Parse(spec.selector), options, std::move(cb));
  }
  ASSERT_TRUE(handle.ok()) << spec.Describe() << ": " << handle.status();
  mp->handle = std::move(*handle);
  FindOptions find;
  find.sort = options.sort;
  find.skip = spec.skip;
  find.limit = spec.limit;
  find.projection = options.projection;
  absl::StatusOr<Cursor> cursor = collection_.Find(Parse(spec.selector), find);
  ASSERT_TRUE(cursor.ok()) << cursor.status();
  mp->query.emplace(*std::move(cursor));
  ++stats["observers started"];
  mirrors_.push_back(std::move(m));
}

void Harness::StopRandomObserver() {
  if (mirrors_.empty()) return;
  const size_t i = R(mirrors_.size());
  mirrors_[i]->handle.Stop();
  mirrors_.erase(mirrors_.begin() + i);
  ++stats["observers stopped"];
}

void Harness::RandomWrite() {
  const int op = static_cast<int>(R(100));
  if (op < 33) {
    absl::StatusOr<Value> id = collection_.Insert(Parse(RandomDoc()));
    ++stats[id.ok() ? "inserts" : "rejected inserts"];
  } else if (op < 75) {
    const std::string selector =
        Chance(50) ? fmt::format("{{\"_id\": {}}}", RandomId()) : RandomSelector();
    UpdateOptions options;
    options.multi = Chance(30);
    options.upsert = Chance(15);
    absl::StatusOr<UpdateResult> r =
        collection_.Update(Parse(selector), Parse(RandomModifier()), options);
    ++stats[r.ok() ? (r->upserted_id ? "upserts" : "updates") : "rejected updates"];
  } else if (op < 92) {
    const std::string selector =
        Chance(60) ? fmt::format("{{\"_id\": {}}}", RandomId()) : RandomSelector();
    absl::StatusOr<size_t> n = collection_.Remove(Parse(selector));
    stats["removed documents"] += n.ok() ? static_cast<long>(*n) : 0;
  } else if (op < 96) {
    // Refill: keep the collection from drifting empty.
    for (int k = 0; k < 3; ++k) (void)collection_.Insert(Parse(RandomDoc()));
  } else if (in_callback_ == 0) {
    // A paused batch, with observers started and stopped in it.
    ++stats["paused batches"];
    collection_.PauseObservers();
    paused_ = true;
    const int n = 2 + static_cast<int>(R(8));
    for (int k = 0; k < n; ++k) {
      if (Chance(15)) {
        if (mirrors_.size() < kMaxObservers) StartObserver(RandomSpec());
      } else if (Chance(5)) {
        StopRandomObserver();
      } else {
        RandomWrite();
      }
    }
    paused_ = false;
    collection_.ResumeObservers();
  }
}

bool Harness::CheckAll(int step) {
  for (auto it = mirrors_.begin(); it != mirrors_.end();) {
    if ((*it)->stopped_itself) {
      it = mirrors_.erase(it);
      continue;
    }
    ++it;
  }
  for (const auto& m : mirrors_) {
    const std::string where = fmt::format("after write {}: observer {}", step, m->spec.Describe());
    if (!m->error.empty()) {
      ADD_FAILURE() << where << ": " << m->error;
      return false;
    }
    const std::vector<Value> result = m->query->Fetch();
    // Fast comparison first (no copies); the full description only on a mismatch.
    bool same = result.size() == m->content.size() && (!m->ordered || result.size() == m->order.size());
    for (size_t i = 0; same && i < result.size(); ++i) {
      ValueView d = result[i].view();
      const std::string key = Key(*d.Find("_id"));
      if (m->ordered && m->order[i] != key) same = false;
      auto it = m->content.find(key);
      if (it == m->content.end()) {
        same = false;
        break;
      }
      size_t fields = 0;
      for (const query::Field& f : d.fields()) {
        if (!m->docs && f.key == "_id") continue;
        ++fields;
        auto g = it->second.find(f.key);
        if (g == it->second.end() || !(g->second == Exact{f.value.ToValue()})) same = false;
      }
      if (fields != it->second.size()) same = false;
    }
    if (same) continue;
    std::vector<std::string> order;
    std::map<std::string, FieldMap> content;
    for (const Value& d : result) {
      const std::string key = Key(*d.view().Find("_id"));
      order.push_back(key);
      content[key] = Fields(d.view(), !m->docs);
    }
    if (m->ordered && order != m->order) {
      std::string got, want;
      for (const auto& k : m->order) got += k + " ";
      for (const auto& k : order) want += k + " ";
      ADD_FAILURE() << where << ": order " << got << "expected " << want;
      return false;
    }
    {
      std::string diff;
      for (const auto& [k, v] : content) {
        auto g = m->content.find(k);
        if (g == m->content.end()) diff += " missing " + k + " " + MapText(v);
        else if (!(g->second == v)) diff += " " + k + ": got " + MapText(g->second) + " want " + MapText(v);
      }
      for (const auto& [k, v] : m->content) {
        if (!content.count(k)) diff += " extra " + k + " " + MapText(v);
      }
      ADD_FAILURE() << where << ":" << diff;
      return false;
    }
  }
  return true;
}

void Harness::Run(int writes) {
  for (int i = 0; i < 6; ++i) (void)collection_.Insert(Parse(RandomDoc()));
  for (int i = 0; i < 12; ++i) StartObserver(RandomSpec());
  ASSERT_TRUE(CheckAll(0));
  for (int step = 1; step <= writes; ++step) {
    nested_budget_ = 2;
    if (Chance(4)) {
      if (mirrors_.size() >= kMaxObservers || (Chance(40) && !mirrors_.empty())) {
        StopRandomObserver();
      } else {
        StartObserver(RandomSpec());
      }
    } else {
      RandomWrite();
    }
    ++stats["steps"];
    if (!CheckAll(step)) return;
  }
}

TEST(ObserveModelTest, EventsReproduceTheQueryResultAfterEveryWrite) {
  const uint64_t seed = TestSeed();
  std::cout << "observe model test: seed " << seed << " (replay with --gtest_random_seed=" << seed
            << "), " << kWrites << " writes\n";
  SCOPED_TRACE(fmt::format("seed {}", seed));
  Harness harness(seed);
  harness.Run(kWrites);
  for (const auto& [name, count] : harness.stats) std::cout << "  " << name << ": " << count << "\n";
  // Every path was exercised.
  for (const char* name : {"inserts", "updates", "upserts", "removed documents", "paused batches",
                           "nested writes", "stops from callbacks", "observers started"}) {
    EXPECT_GT(harness.stats[name], 0) << name;
  }
}

}  // namespace
}  // namespace minimongo
