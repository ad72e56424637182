#include "minimongo/collection.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "fmt/format.h"
#include "minimongo/internal/id_index.h"
#include "minimongo/internal/observe_engine.h"
#include "query/ejson.h"
#include "query/internal/status_macros.h"
#include "query/limits.h"
#include "query/modifier.h"
#include "query/upsert.h"
#include "query/value_order.h"
#include "query/value_splice.h"

namespace minimongo {

using query::Field;
using query::Type;
using query::Value;
using query::ValueView;

ValueView DocumentId(ValueView doc) { return doc.fields().begin()->value; }

namespace {

// "_id", resolved once.
const query::FieldKey& IdKey() {
  static const query::FieldKey key("_id");
  return key;
}

std::string Describe(ValueView v) {
  std::string s = query::ToEjson(v);
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

// A yes-only pre-check for ValidateKeys: true proves `v` valid (every name storable, nesting
// within the limit); false sends the caller to ValidateKeys, which decides and words the error
// (a nested '$' name, say, is allowed there). No Status is built on the way.
bool ClearlyValidKeys(ValueView v, size_t depth) {
  if (depth > query::kMaxDepth) return false;
  if (v.IsObject()) {
    const query::ObjectRange fields = v.fields();
    for (query::ObjectIterator it = fields.begin(); it != fields.end(); ++it) {
      if (!it.KeyIsStorable()) return false;
      const ValueView value = it.value();
      if ((value.IsObject() || value.IsArray()) && !ClearlyValidKeys(value, depth + 1)) {
        return false;
      }
    }
  } else if (v.IsArray()) {
    for (ValueView e : v.elements()) {
      if ((e.IsObject() || e.IsArray()) && !ClearlyValidKeys(e, depth + 1)) return false;
    }
  }
  return true;
}

absl::Status ValidateKeysPrecisely(ValueView v, size_t depth, bool top_level) {
  if (depth > query::kMaxDepth) {
    return absl::InvalidArgumentError(
        fmt::format("document nests deeper than {} levels", query::kMaxDepth));
  }
  if (v.IsObject()) {
    const query::ObjectRange fields = v.fields();
    for (query::ObjectIterator it = fields.begin(); it != fields.end(); ++it) {
      // The dictionary's bit answers for interned names; only a suspect name is decoded.
      if (!it.KeyIsStorable()) {
        const std::string_view key = it->key;
        if (top_level && key.starts_with('$')) {
          return absl::InvalidArgumentError(fmt::format("Key {} must not start with '$'", key));
        }
        if (key.find('.') != std::string_view::npos) {
          return absl::InvalidArgumentError(fmt::format("Key {} must not contain '.'", key));
        }
      }
      const ValueView value = it.value();
      if (value.IsObject() || value.IsArray()) {
        RETURN_IF_ERROR(ValidateKeysPrecisely(value, depth + 1, false));
      }
    }
  } else if (v.IsArray()) {
    for (ValueView e : v.elements()) {
      if (e.IsObject() || e.IsArray()) RETURN_IF_ERROR(ValidateKeysPrecisely(e, depth + 1, false));
    }
  }
  return absl::OkStatus();
}

// The store's key rules for `v` at nesting level `depth`: no name contains '.', no top-level
// name starts with '$', nesting within query::kMaxDepth.
absl::Status ValidateKeys(ValueView v, size_t depth, bool top_level) {
  if (ClearlyValidKeys(v, depth)) return absl::OkStatus();
  return ValidateKeysPrecisely(v, depth, top_level);
}

// How many slots ahead a scan prefetches: about a memory latency's worth of Matches calls.
constexpr uint32_t kScanPrefetch = 8;

// Asks for the first two cache lines of a value (most selectors read fields near the front).
void PrefetchHead(ValueView doc) {
  __builtin_prefetch(doc.payload());
  __builtin_prefetch(doc.payload() + 64);
}

// Asks for the cache lines of a document after its first (already read) one.
void PrefetchDocument(ValueView doc) {
  const unsigned char* p = doc.payload();
  const size_t size = doc.payload_size();
  for (size_t offset = 64; offset < size; offset += 64) __builtin_prefetch(p + offset);
}

absl::Status ValidateId(ValueView id) {
  if (id.IsArray()) return absl::InvalidArgumentError("_id cannot be an array");
  if (id.type() == Type::kRegex) return absl::InvalidArgumentError("_id cannot be a regex");
  return absl::OkStatus();
}

}  // namespace

absl::Status Collection::ValidateDocument(ValueView doc) {
  if (!doc.IsObject()) {
    return absl::InvalidArgumentError(
        fmt::format("document must be an object, not {}", query::TypeName(doc.type())));
  }
  auto id = doc.Find(IdKey());
  if (id) RETURN_IF_ERROR(ValidateId(*id));
  return ValidateKeys(doc, 1, true);
}

Collection::Collection(std::string name, CollectionOptions options)
    : name_(std::move(name)), options_(std::move(options)), ids_(options_.id_seed) {
  index_ = std::make_unique<internal::IdIndex>(&slots_);
}

Collection::~Collection() = default;

int64_t Collection::Now() const {
  if (options_.now_millis) return options_.now_millis();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t Collection::FindSlot(ValueView id) const { return index_->Find(id); }

std::optional<Value> Collection::FindById(ValueView id) const {
  int64_t slot = FindSlot(id);
  if (slot < 0) return std::nullopt;
  return slots_[slot];
}

Value Collection::WithIdFirst(ValueView doc, const Value& id) {
  auto it = doc.fields().begin();
  if (doc.size() > 0 && it.KeyIs(IdKey()) && query::ValuesEqual(it.value(), id.view())) {
    return doc.ToValue();
  }
  query::ValueBuilder b;
  b.BeginObject();
  b.Key("_id");
  b.Append(id.view());
  for (const Field& f : doc.fields()) {
    if (f.key == "_id") continue;
    b.Key(f.key);
    b.Append(f.value);
  }
  bool unique = b.EndObject();
  (void)unique;  // the source object had unique keys and _id was written once
  return b.Finish();
}

void Collection::StoreNew(Value doc, const uint64_t* id_hash) {
  uint32_t slot = static_cast<uint32_t>(slots_.size());
  slots_.push_back(std::move(doc));
  seqs_.push_back(next_seq_++);
  if (id_hash != nullptr) {
    index_->Insert(slot, *id_hash);
  } else {
    index_->Insert(slot);
  }
  ++live_;
}

void Collection::EraseSlot(uint32_t slot, const uint64_t* id_hash) {
  if (id_hash != nullptr) {
    index_->Erase(slot, *id_hash);
  } else {
    index_->Erase(slot);
  }
  slots_[slot] = Value();
  --live_;
}

void Collection::MaybeCompact() {
  size_t dead = slots_.size() - live_;
  if (dead < 1024 || dead < live_) return;
  std::vector<Value> kept;
  std::vector<uint64_t> kept_seqs;
  kept.reserve(live_);
  kept_seqs.reserve(live_);
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].IsNull()) continue;
    kept.push_back(std::move(slots_[i]));
    kept_seqs.push_back(seqs_[i]);
  }
  slots_ = std::move(kept);
  seqs_ = std::move(kept_seqs);
  index_->Clear();
  index_->Reserve(slots_.size());
  for (uint32_t i = 0; i < slots_.size(); ++i) index_->Insert(i);
}

absl::StatusOr<Value> Collection::Insert(const Value& doc) {
  ValueView view = doc.view();
  RETURN_IF_ERROR(ValidateDocument(view));
  Value id;
  if (auto existing = view.Find(IdKey())) {
    id = existing->ToValue();
  } else {
    // Generated ids never collide in practice; retry anyway so the invariant holds.
    do {
      id = ids_.Next(options_.id_kind);
    } while (FindSlot(id.view()) >= 0);
  }
  const uint64_t hash = internal::IdIndex::Hash(id.view());
  if (index_->Find(id.view(), hash) >= 0) {
    return absl::AlreadyExistsError(
        fmt::format("duplicate key error: a document with _id {} already exists", Describe(id.view())));
  }
  StoreNew(WithIdFirst(view, id), &hash);
  NotifyChange(nullptr, 0, &slots_.back(), seqs_.back());
  FlushObservers();
  return id;
}

std::vector<uint32_t> Collection::MatchSlots(const query::Selector& selector,
                                             size_t max_matches) const {
  std::vector<uint32_t> out;
  if (max_matches == 0) return out;
  if (const auto& ids = selector.id_values()) {
    for (const Value& id : *ids) {
      int64_t slot = FindSlot(id.view());
      if (slot >= 0 && selector.Matches(slots_[slot].view())) out.push_back(slot);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    if (out.size() > max_matches) out.resize(max_matches);
    return out;
  }
  // Each document is its own heap block, so a scan is one cache miss per document; asking for
  // the first lines of the document kScanPrefetch slots ahead overlaps those misses (the slot
  // vector itself is sequential and the hardware prefetches it).
  const uint32_t n = static_cast<uint32_t>(slots_.size());
  for (uint32_t i = 0; i < n; ++i) {
    if (i + kScanPrefetch < n) PrefetchHead(slots_[i + kScanPrefetch].view());
    const Value& doc = slots_[i];
    if (doc.IsNull()) continue;
    if (selector.Matches(doc.view())) {
      out.push_back(i);
      if (out.size() >= max_matches) break;
    }
  }
  return out;
}

namespace {

// MongoDB refuses a positional projection ("a.$") whose array the query does not mention
// ("Positional projection 'a.$' does not match the query document.", error 31277): some path of
// the selector must equal the projected prefix, or be a prefix or an extension of it. (Meteor's
// minimongo refuses every positional projection.)
absl::Status CheckPositionalProjection(ValueView selector, const query::Selector& compiled,
                                       ValueView projection) {
  if (!projection.IsObject()) return absl::OkStatus();
  for (const Field& field : projection.fields()) {
    std::string_view key = field.key;
    if (key.size() < 2 || key.substr(key.size() - 2) != ".$") continue;
    std::string_view prefix = key.substr(0, key.size() - 2);
    auto extends = [](std::string_view longer, std::string_view shorter) {
      return longer.size() > shorter.size() && longer.substr(0, shorter.size()) == shorter &&
             longer[shorter.size()] == '.';
    };
    auto related = [&](std::string_view path) {
      return path == prefix || extends(path, prefix) || extends(prefix, path);
    };
    // A string or number selector means {_id: S}.
    const bool matches = selector.IsObject()
                             ? std::any_of(compiled.paths().begin(), compiled.paths().end(),
                                           [&](const std::string& p) { return related(p); })
                             : related("_id");
    if (!matches) {
      return absl::InvalidArgumentError(
          fmt::format("positional projection '{}' does not match the query document", key));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Cursor> Collection::Find(const Value& selector, const FindOptions& options) const {
  ASSIGN_OR_RETURN(query::Selector compiled, query::Selector::Compile(selector.view()));
  std::optional<query::SortSpec> sort;
  if (!options.sort.IsNull()) {
    ASSIGN_OR_RETURN(sort, query::SortSpec::Compile(options.sort.view()));
  }
  std::optional<query::Projection> projection;
  if (!options.projection.IsNull()) {
    ASSIGN_OR_RETURN(projection, query::Projection::Compile(options.projection.view()));
    RETURN_IF_ERROR(
        CheckPositionalProjection(selector.view(), compiled, options.projection.view()));
  }
  return Cursor(this, std::make_shared<const query::Selector>(std::move(compiled)),
                std::move(sort), options.skip, options.limit, std::move(projection));
}

absl::StatusOr<std::optional<Value>> Collection::FindOne(const Value& selector,
                                                         const FindOptions& options) const {
  FindOptions one = options;
  one.limit = 1;
  ASSIGN_OR_RETURN(Cursor cursor, Find(selector, one));
  std::vector<Value> docs = cursor.Fetch();
  if (docs.empty()) return std::optional<Value>();
  return std::optional<Value>(std::move(docs[0]));
}

// Such a selector matches exactly the document with that id, so it needs no compilation.
std::optional<ValueView> Collection::PlainIdSelector(ValueView selector) {
  auto plain = [](ValueView v) {
    return !v.IsObject() && !v.IsArray() && v.type() != Type::kRegex;
  };
  if (selector.IsString() || selector.IsNumber() || selector.type() == Type::kObjectId) {
    return selector;
  }
  if (!selector.IsObject() || selector.size() != 1) return std::nullopt;
  const query::ObjectIterator field = selector.fields().begin();
  if (!field.KeyIs(IdKey()) || !plain(field.value())) return std::nullopt;
  return field.value();
}

absl::StatusOr<UpdateResult> Collection::Update(const Value& selector, const Value& modifier,
                                                const UpdateOptions& options) {
  return UpdateImpl(selector, modifier, options, nullptr);
}

absl::StatusOr<UpdateResult> Collection::UpdateImpl(const Value& selector, const Value& modifier,
                                                    const UpdateOptions& options,
                                                    const KnownId* known) {
  // Compile everything before touching anything. A plain `_id` selector skips the selector
  // compiler: it is the common case (updates by id) and the lookup is one hash probe.
  std::optional<query::Selector> compiled;
  // The selector, the modifier and the document are usually three cache misses: start the
  // modifier's while the selector and the index are read.
  __builtin_prefetch(modifier.view().payload());
  const std::optional<ValueView> plain_id =
      known != nullptr ? std::optional<ValueView>(known->id) : PlainIdSelector(selector.view());
  assert(known == nullptr || PlainIdSelector(selector.view()).has_value());
  const uint64_t hash =
      !plain_id ? 0 : (known != nullptr ? known->hash : internal::IdIndex::Hash(*plain_id));
  if (plain_id && options.array_filters.empty()) {
    // The fast path of updates by id: a $set/$unset/$inc of plain paths is applied without
    // compiling the modifier (DirectModifier's contract: it accepts only what Compile accepts
    // and produces the same bytes, declining otherwise), and only the written values are
    // validated (by Parse): the untouched fields were valid when stored. See docs/store.md.
    // The probe is three dependent loads (entry, slot, document), the first usually a cache
    // miss: start it, then parse the modifier while it arrives.
    if (known == nullptr) index_->PrefetchEntry(hash);
    query::DirectModifier direct;
    const bool direct_parsed = direct.Parse(modifier.view());
    int64_t slot = index_->Find(*plain_id, hash);
    if (slot >= 0) PrefetchDocument(slots_[slot].view());
    if (direct_parsed) {
      if (slot < 0 && !options.upsert) return UpdateResult();
      if (slot >= 0) {
        // Without live queries nothing needs the old document: the result is written straight
        // into the stored Value, over its bytes when no one else holds them (no Value returned
        // by a Find shares its buffer) and every size stays, else spliced into a new buffer.
        if (!Observed()) {
          const query::DirectModifier::Outcome outcome = direct.ApplyTo(&slots_[slot]);
          if (outcome != query::DirectModifier::Outcome::kDeclined) {
            UpdateResult result;
            result.matched = 1;
            result.modified = outcome == query::DirectModifier::Outcome::kApplied ? 1 : 0;
            if (engine_) FlushObservers();
            return result;
          }
        }
        std::optional<Value> new_doc = direct.Apply(slots_[slot].view());
        if (new_doc.has_value()) return CommitOne(static_cast<uint32_t>(slot), *std::move(new_doc));
      }
      // An upsert that inserts, or a document the direct path declines: the general path.
    }
  }
  if (!plain_id) {
    ASSIGN_OR_RETURN(compiled, query::Selector::Compile(selector.view()));
  }
  query::ModifierOptions modifier_options;
  modifier_options.array_filters = options.array_filters;
  ASSIGN_OR_RETURN(query::Modifier mod, query::Modifier::Compile(modifier.view(), modifier_options));
  const int64_t now = Now();

  std::vector<uint32_t> slots;
  if (plain_id) {
    int64_t slot = index_->Find(*plain_id, hash);
    if (slot >= 0) slots.push_back(static_cast<uint32_t>(slot));
  } else {
    slots = MatchSlots(*compiled, options.multi ? slots_.size() : size_t{1});
  }
  UpdateResult result;
  if (slots.empty()) {
    if (!options.upsert) return result;
    // Meteor's shorthands: a string, number or ObjectId selector is {_id: value}, null is {}.
    ValueView sv = selector.view();
    Value seed_selector = selector;
    if (sv.IsString() || sv.IsNumber() || sv.type() == Type::kObjectId) {
      seed_selector = Value::Object({{"_id", selector}});
    } else if (sv.IsNull()) {
      seed_selector = Value::Object({});
    }
    ASSIGN_OR_RETURN(Value seed, query::SeedUpsertDocument(seed_selector.view()));
    query::ApplyContext context;
    context.is_upsert_insert = true;
    context.now_millis = now;
    ASSIGN_OR_RETURN(Value doc, mod.Apply(seed.view(), context));
    if (mod.is_replacement()) {
      // A replacement keeps the selector's _id when it names none itself.
      auto seed_id = seed.view().Find("_id");
      if (seed_id && !doc.view().Find("_id")) doc = WithIdFirst(doc.view(), seed_id->ToValue());
    }
    ASSIGN_OR_RETURN(Value id, Insert(doc));
    result.upserted_id = std::move(id);
    return result;
  }

  // Compute every new document first; commit only when all succeeded.
  std::vector<Value> updated;
  updated.reserve(slots.size());
  for (uint32_t slot : slots) {
    ValueView old_doc = slots_[slot].view();
    query::MatchDetails details;
    if (compiled) compiled->Matches(old_doc, &details);
    query::ApplyContext context;
    context.match = &details;
    context.now_millis = now;
    ASSIGN_OR_RETURN(Value new_doc, mod.Apply(old_doc, context));
    ValueView old_id = DocumentId(old_doc);
    auto new_id = new_doc.view().Find("_id");
    if (!new_id && !mod.is_replacement()) {
      // $unset or $rename of _id: only a replacement may leave _id out (it keeps the old one).
      return absl::InvalidArgumentError(
          "Performing an update on the path '_id' would modify the immutable field '_id'");
    }
    if (!new_id) {
      new_doc = WithIdFirst(new_doc.view(), old_id.ToValue());
    } else if (!query::BytesIdentical(*new_id, old_id)) {
      return absl::InvalidArgumentError(fmt::format(
          "Performing an update on the path '_id' would modify the immutable field '_id'"));
    } else if (new_doc.view().fields().begin()->key != "_id") {
      new_doc = WithIdFirst(new_doc.view(), old_id.ToValue());
    }
    RETURN_IF_ERROR(ValidateDocument(new_doc.view()));
    updated.push_back(std::move(new_doc));
  }
  result.matched = slots.size();
  for (size_t i = 0; i < slots.size(); ++i) {
    Value& stored = slots_[slots[i]];
    if (query::BytesIdentical(stored.view(), updated[i].view())) continue;
    const Value old_doc = std::move(stored);
    stored = std::move(updated[i]);
    ++result.modified;
    if (Observed()) NotifyChange(&old_doc, seqs_[slots[i]], &stored, seqs_[slots[i]]);
  }
  FlushObservers();
  return result;
}

UpdateResult Collection::CommitOne(uint32_t slot, Value new_doc) {
  // REQUIRES (DirectModifier's guarantee): `new_doc` keeps the stored `_id` first and meets
  // the stored-document invariants. Checked in debug builds only.
  assert(ValidateDocument(new_doc.view()).ok() && "the direct path kept the invariants");
  assert(query::BytesIdentical(DocumentId(new_doc.view()), DocumentId(slots_[slot].view())));
  UpdateResult result;
  result.matched = 1;
  Value& stored = slots_[slot];
  if (!query::BytesIdentical(stored.view(), new_doc.view())) {
    const Value old_doc = std::move(stored);
    stored = std::move(new_doc);
    result.modified = 1;
    if (Observed()) NotifyChange(&old_doc, seqs_[slot], &stored, seqs_[slot]);  // seqs_: a miss
  }
  if (engine_) FlushObservers();
  return result;
}

absl::StatusOr<size_t> Collection::Remove(const Value& selector) {
  ASSIGN_OR_RETURN(query::Selector compiled, query::Selector::Compile(selector.view()));
  std::vector<uint32_t> slots = MatchSlots(compiled, slots_.size());
  for (uint32_t slot : slots) {
    const Value old_doc = slots_[slot];
    EraseSlot(slot);
    if (Observed()) NotifyChange(&old_doc, seqs_[slot], nullptr, 0);
  }
  MaybeCompact();
  FlushObservers();
  return slots.size();
}

// ---------------------------------------------------------------------------------------------
// Replica primitives (the DDP session's merge path).

absl::StatusOr<bool> Collection::MergeTopLevelFields(ValueView id, ValueView set_fields,
                                                     std::span<const std::string_view> cleared) {
  if (!set_fields.IsObject()) {
    return absl::InvalidArgumentError(fmt::format(
        "merge into {}: fields must be an object, not {}", name_, query::TypeName(set_fields.type())));
  }
  for (std::string_view name : cleared) {
    if (name == "_id") {
      return absl::InvalidArgumentError(fmt::format("merge into {}: cannot clear _id", name_));
    }
  }
  // Only the new values need checking: the untouched fields were valid when stored.
  const query::ObjectRange new_fields = set_fields.fields();
  for (query::ObjectIterator it = new_fields.begin(); it != new_fields.end(); ++it) {
    if (it.KeyIs(IdKey())) {
      return absl::InvalidArgumentError(
          "Performing an update on the path '_id' would modify the immutable field '_id'");
    }
    if (!it.KeyIsStorable()) {
      const std::string_view key = it->key;
      if (key.starts_with('$')) {
        return absl::InvalidArgumentError(fmt::format("Key {} must not start with '$'", key));
      }
      return absl::InvalidArgumentError(fmt::format("Key {} must not contain '.'", key));
    }
    const ValueView value = it.value();
    if (value.IsObject() || value.IsArray()) RETURN_IF_ERROR(ValidateKeys(value, 2, false));
  }
  int64_t slot = FindSlot(id);
  if (slot < 0) {
    return absl::NotFoundError(
        fmt::format("no document with _id {} in collection {}", Describe(id), name_));
  }
  if (set_fields.empty() && cleared.empty()) return false;
  const ValueView old_doc = slots_[slot].view();
  // The merge as byte edits of the stored document (query/value_splice.h), found with the
  // packed field search (ValueView::Find: key codes, no iterator) once per named field:
  //   - a cleared field that exists: its whole entry removed;
  //   - a set field that exists (and is not also cleared): its entry replaced by the frame's
  //     (the same name, the new type and payload);
  //   - a set field that does not exist (and is not cleared): its entry, as the frame holds it,
  //     inserted at the end of the document, in `set_fields` order;
  //   - the document's header, when its size or field count changes.
  // No name is decoded: keys compare as codes, and an entry keeps its name's bytes.
  absl::InlinedVector<query::FieldKey, 4> cleared_keys;
  for (std::string_view name : cleared) cleared_keys.emplace_back(name);
  const unsigned char* const doc_end = old_doc.payload() + old_doc.payload_size();
  absl::InlinedVector<query::ByteEdit, 8> edits;
  // The header's edit comes first in document order; it is filled in once the deltas are known.
  edits.push_back(query::ByteEdit{old_doc.payload(), nullptr, 0, 0, {}});
  int64_t bytes_delta = 0, count_delta = 0;
  bool changed = false;     // a byte of the result differs from the stored document's
  bool same_sizes = true;   // every edit keeps its size: the bytes can be written in place
  for (size_t i = 0; i < cleared_keys.size(); ++i) {
    const std::optional<ValueView> old_value = old_doc.Find(cleared_keys[i]);
    if (!old_value.has_value()) continue;
    bool repeated = false;  // the same name cleared twice
    for (size_t j = 0; j < i; ++j) repeated = repeated || cleared[j] == cleared[i];
    if (repeated) continue;
    const unsigned char* begin = query::FieldEntryBegin(*old_value, cleared_keys[i]);
    const auto size = static_cast<uint32_t>(query::FieldEntryEnd(*old_value) - begin);
    edits.push_back(query::ByteEdit{begin, nullptr, size, 0, {}});
    bytes_delta -= size;
    count_delta -= 1;
    changed = true;
    same_sizes = false;
  }
  for (query::ObjectIterator it = new_fields.begin(); it != new_fields.end(); ++it) {
    const query::FieldKey key = it.key();
    bool is_cleared = false;
    for (const query::FieldKey& c : cleared_keys) is_cleared = is_cleared || it.KeyIs(c);
    if (is_cleared) continue;  // deleted, present or not: the clear wins
    const ValueView new_value = it.value();
    const std::optional<ValueView> old_value = old_doc.Find(key);
    if (!old_value.has_value()) {
      const unsigned char* begin = query::FieldEntryBegin(new_value, key);
      const auto size = static_cast<uint32_t>(query::FieldEntryEnd(new_value) - begin);
      edits.push_back(query::ByteEdit{doc_end, begin, 0, size, {}});
      bytes_delta += size;
      count_delta += 1;
      changed = true;
      same_sizes = false;
      continue;
    }
    // The whole entry is replaced by the frame's: the same name (the same key code, so the
    // same bytes), then the new type and payload.
    const unsigned char* old_begin = query::FieldEntryBegin(*old_value, key);
    const unsigned char* new_begin = query::FieldEntryBegin(new_value, key);
    const auto old_size = static_cast<uint32_t>(query::FieldEntryEnd(*old_value) - old_begin);
    const auto new_size = static_cast<uint32_t>(query::FieldEntryEnd(new_value) - new_begin);
    edits.push_back(query::ByteEdit{old_begin, new_begin, old_size, new_size, {}});
    bytes_delta += int64_t{new_size} - int64_t{old_size};
    if (old_size != new_size) {
      changed = true;
      same_sizes = false;
    } else if (!changed) {
      changed = std::memcmp(old_begin, new_begin, new_size) != 0;
    }
  }
  if (!changed) return false;
  if (static_cast<int64_t>(old_doc.payload_size()) + bytes_delta > int64_t{UINT32_MAX}) {
    return absl::InvalidArgumentError(
        fmt::format("merge into {}: the document would exceed 4 GiB", name_));
  }
  edits[0] = query::ObjectHeaderEdit(old_doc, bytes_delta, count_delta);
  // Document order: removals and replacements where their fields are (each covers a whole
  // entry, so no two start at the same byte), insertions at the end in `set_fields` order, the
  // header first. An insertion sort: a merge names a few fields, and it is stable (keeps the
  // insertions' order) without std::stable_sort's temporary buffer.
  for (size_t i = 2; i < edits.size(); ++i) {
    const query::ByteEdit e = edits[i];
    size_t j = i;
    for (; j > 1 && edits[j - 1].at > e.at; --j) edits[j] = edits[j - 1];
    edits[j] = e;
  }
  // As in Update: without live queries, a document no one else holds takes a merge that keeps
  // every size as a rewrite of its bytes.
  if (same_sizes && !Observed()) {
    if (unsigned char* bytes = slots_[slot].MutablePayloadIfUnique()) {
      for (const query::ByteEdit& e : edits) {
        std::memcpy(bytes + (e.at - old_doc.payload()), e.source(), e.new_size);
      }
      if (engine_) FlushObservers();
      return true;
    }
  }
  Value new_doc = query::SpliceObject(old_doc, edits);
  // Commit: the same step as Update's.
  const Value old_value = std::move(slots_[slot]);
  slots_[slot] = std::move(new_doc);
  if (Observed()) NotifyChange(&old_value, seqs_[slot], &slots_[slot], seqs_[slot]);
  FlushObservers();
  return true;
}

absl::StatusOr<bool> Collection::ReplaceDocument(const Value& new_doc) {
  RETURN_IF_ERROR(ValidateDocument(new_doc.view()));
  auto id = new_doc.view().Find(IdKey());
  if (!id) {
    return absl::InvalidArgumentError(
        fmt::format("replace in {}: the document has no _id", name_));
  }
  int64_t slot = FindSlot(*id);
  if (slot < 0) {
    return absl::NotFoundError(
        fmt::format("no document with _id {} in collection {}", Describe(*id), name_));
  }
  Value doc = WithIdFirst(new_doc.view(), id->ToValue());
  if (query::BytesIdentical(doc.view(), slots_[slot].view())) return false;
  // Commit: the same step as Update's.
  const Value old_doc = std::move(slots_[slot]);
  slots_[slot] = std::move(doc);
  if (Observed()) NotifyChange(&old_doc, seqs_[slot], &slots_[slot], seqs_[slot]);
  FlushObservers();
  return true;
}

bool Collection::RemoveById(ValueView id) {
  const uint64_t hash = internal::IdIndex::Hash(id);
  int64_t slot = index_->Find(id, hash);
  if (slot < 0) return false;
  // The same steps as Remove's; the old document is kept only for a live query.
  std::optional<Value> old_doc;
  if (Observed()) old_doc = slots_[slot];
  EraseSlot(static_cast<uint32_t>(slot), &hash);
  if (old_doc) NotifyChange(&*old_doc, seqs_[slot], nullptr, 0);
  MaybeCompact();
  FlushObservers();
  return true;
}

// ---------------------------------------------------------------------------------------------
// Live queries

internal::ObserveEngine& Collection::Engine() {
  if (!engine_) engine_ = std::make_shared<internal::ObserveEngine>(this);
  return *engine_;
}

bool Collection::Observed() const { return engine_ && engine_->has_queries(); }

void Collection::NotifyChange(const Value* old_doc, uint64_t old_seq, const Value* new_doc,
                              uint64_t new_seq) {
  if (engine_) engine_->OnChange(old_doc, old_seq, new_doc, new_seq);
}

void Collection::FlushObservers() {
  // The engine may be reached again from a callback (a nested write): hold it.
  if (std::shared_ptr<internal::ObserveEngine> engine = engine_) engine->Flush();
}

absl::StatusOr<ObserveHandle> Collection::ObserveChanges(const Value& selector,
                                                         const ObserveOptions& options,
                                                         ObserveChangesCallbacks callbacks) {
  return Engine().ObserveChanges(selector, options, std::move(callbacks));
}

absl::StatusOr<ObserveHandle> Collection::Observe(const Value& selector,
                                                  const ObserveOptions& options,
                                                  ObserveCallbacks callbacks) {
  return Engine().Observe(selector, options, std::move(callbacks));
}

void Collection::PauseObservers() { Engine().Pause(); }

void Collection::ResumeObservers() {
  if (std::shared_ptr<internal::ObserveEngine> engine = engine_) engine->Resume();
}

void Collection::ForEachDocument(const std::function<void(const Value&)>& fn) const {
  for (const Value& doc : slots_) {
    if (!doc.IsNull()) fn(doc);
  }
}

size_t Collection::MemoryBytes() const {
  // Each heap block costs its size plus malloc's header, rounded to 16 bytes.
  auto block = [](size_t n) { return (n + 8 + 15) / 16 * 16; };
  size_t bytes = block(slots_.capacity() * sizeof(Value));
  for (const Value& doc : slots_) {
    if (size_t heap = doc.HeapBytes()) bytes += block(heap);
  }
  bytes += block(index_->MemoryBytes());
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Cursor

Cursor::Cursor(const Collection* collection, std::shared_ptr<const query::Selector> selector,
               std::optional<query::SortSpec> sort, size_t skip, std::optional<size_t> limit,
               std::optional<query::Projection> projection)
    : collection_(collection),
      selector_(std::move(selector)),
      sort_(std::move(sort)),
      skip_(skip),
      limit_(limit),
      projection_(std::move(projection)) {}

std::vector<uint32_t> Cursor::MatchingSlots() const {
  // skip + limit, saturating: a huge limit must not wrap around to a small `wanted`.
  const size_t wanted =
      limit_ && *limit_ <= SIZE_MAX - skip_ ? skip_ + *limit_ : SIZE_MAX;
  if (limit_ && *limit_ == 0) return {};
  if (!sort_) {
    std::vector<uint32_t> slots = collection_->MatchSlots(*selector_, wanted);
    if (skip_ >= slots.size()) return {};
    slots.erase(slots.begin(), slots.begin() + skip_);
    return slots;
  }
  // Sorted: extract each match's key once; keep only the best `wanted` with a bounded heap.
  std::vector<uint32_t> matches = collection_->MatchSlots(*selector_, SIZE_MAX);
  struct Keyed {
    query::SortKey key;
    uint32_t slot;
  };
  std::vector<Keyed> keyed;
  keyed.reserve(std::min(matches.size(), wanted));
  auto less = [this](const Keyed& a, const Keyed& b) {
    int c = sort_->CompareKeys(a.key, b.key);
    return c != 0 ? c < 0 : a.slot < b.slot;  // ties keep insertion order
  };
  for (uint32_t slot : matches) {
    Keyed k{sort_->ExtractKey(collection_->slots_[slot].view()), slot};
    if (keyed.size() < wanted) {
      keyed.push_back(std::move(k));
      if (keyed.size() == wanted) std::make_heap(keyed.begin(), keyed.end(), less);
    } else if (less(k, keyed.front())) {
      std::pop_heap(keyed.begin(), keyed.end(), less);
      keyed.back() = std::move(k);
      std::push_heap(keyed.begin(), keyed.end(), less);
    }
  }
  std::sort(keyed.begin(), keyed.end(), less);
  std::vector<uint32_t> out;
  for (size_t i = skip_; i < keyed.size(); ++i) out.push_back(keyed[i].slot);
  return out;
}

void Cursor::ForEach(const std::function<void(const Value&)>& fn) const {
  for (uint32_t slot : MatchingSlots()) {
    const Value& doc = collection_->slots_[slot];
    if (!projection_) {
      fn(doc);
      continue;
    }
    query::MatchDetails details;
    selector_->Matches(doc.view(), &details);
    fn(projection_->Apply(doc.view(), &details));
  }
}

std::vector<Value> Cursor::Fetch() const {
  std::vector<Value> out;
  ForEach([&](const Value& doc) { out.push_back(doc); });
  return out;
}

size_t Cursor::Count() const { return MatchingSlots().size(); }

absl::Status Cursor::Check() const {
  if (!sort_ || sort_->size() < 2) return absl::OkStatus();
  for (uint32_t slot : collection_->MatchSlots(*selector_, SIZE_MAX)) {
    absl::Status s = sort_->CheckDocument(collection_->slots_[slot].view());
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace minimongo
