// A compiled update modifier: what `collection.update(selector, modifier)` does to one document,
// with MongoDB's semantics (MongoDB 5.0+ where Meteor's minimongo differs).
//
// A modifier document is one of
//   - an update-operator document, {$set: {...}, $inc: {...}, ...}, with the operators $set
//     $unset $inc $mul $min $max $rename $currentDate $setOnInsert $push (with $each,
//     $position, $sort, $slice) $addToSet (with $each) $pop $pull $pullAll $bit;
//   - a replacement document (no '$' key): the new document, keeping the old `_id`.
// Operator paths are dotted ("a.b.0.c"). On arrays a canonical decimal part ("0", "12") is an
// index, `$` is the element the query matched (ApplyContext::match), `$[]` is every element and
// `$[ident]` every element matching the array filter `ident` (ModifierOptions). There is no
// implicit traversal of arrays: "a.b" on {a: [{b: 1}]} is an error for $set and a no-op for
// $unset. Creating operators build missing parts as objects and pad arrays with nulls
// ({$set: {"a.5": 1}} on {a: [1, 2]} gives [1, 2, null, null, null, 1]).
//
// Semantics worth knowing:
//   - All paths of a modifier are applied in MongoDB 5.0's order, so the fields an update adds
//     to an object appear in that order: at each level numeric names in numeric order, then
//     other names in byte order ({$set: {c: 1, b: 1}} on {a: 1} gives {a: 1, b: 1, c: 1}).
//     $rename counts at its destination. Numeric names before other names is a choice of ours
//     (MongoDB compares numeric and other names as strings, which is not a total order).
//   - Numbers: $inc and $mul keep int32 when the result fits, widen int32 to int64 when it does
//     not, give int64 with an int64 operand (an int64 overflow is an error, as in MongoDB) and
//     double when either side is a double. $mul of a missing field writes 0 of the
//     multiplier's type. $bit works on int32/int64 only (missing counts as int32 0).
//   - $min/$max compare any two values in BSON order (value_order.h).
//   - $push applies $position, then $sort, then $slice; $addToSet and $pullAll compare with
//     ValuesEqual (BSON equality: key order matters in objects); $pull takes a value (removed
//     by equality), an operator condition ({$gte: 6}) or a query on document elements
//     ({score: 8, item: "B"} removes the elements that are documents matching it).
//   - `_id` cannot change (except on an upsert insert whose seed has no _id): an update that
//     would change it fails, one that sets it to its current value does not.
//   - An operator with an empty object ({$set: {}}) is a no-op (MongoDB 5.0). An operator
//     whose argument is not an object ({$min: 5}) is accepted as a no-op, as Meteor's minimongo
//     and the shared conformance corpus do; MongoDB rejects it.
//   - Values stored by operators and replacement documents may not contain keys that start
//     with '$' or contain '.'.
//
// Errors are InvalidArgument with MongoDB's messages, naming the path, e.g.
// "Unknown modifier: $foo. Expected a valid update modifier or pipeline-style update specified
// as an array", "Updating the path 'a.b' would create a conflict at 'a'",
// "Cannot apply $inc to a value of non-numeric type. {_id: 1} has the field 'a' of non-numeric
// type string", "Cannot create field 'b' in element {a: 1}".
//
// Thread safety: a Modifier is immutable after Compile(); any number of threads may call
// Apply() concurrently. Cheap to move; share one as std::shared_ptr<const Modifier>.
//
// Example:
//   ASSIGN_OR_RETURN(Value spec, ParseEjson(R"({"$set": {"name": "x"}, "$inc": {"n": 1}})"));
//   ASSIGN_OR_RETURN(Modifier modifier, Modifier::Compile(spec.view()));
//   MatchDetails details;
//   if (selector.Matches(doc.view(), &details)) {
//     ASSIGN_OR_RETURN(Value updated, modifier.Apply(doc.view(), {.match = &details}));
//   }

#ifndef MINIMONGO_QUERY_MODIFIER_H_
#define MINIMONGO_QUERY_MODIFIER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"
#include "query/selector.h"
#include "query/value.h"

namespace minimongo::query {

struct ModifierOptions {
  // MongoDB's arrayFilters: one filter document per `$[ident]` identifier the modifier uses,
  // e.g. {"x": {"$gte": 8}} or {"x.grade": {"$gte": 85}, "x.mean": {"$lt": 90}}. A filter's
  // top-level keys (also inside $and/$or/$nor) must all start with the same identifier, which
  // is a lower-case letter followed by letters and digits. An element matches when the
  // document {ident: element} matches the filter. Default: none. Every filter must be used by
  // the modifier and every identifier must have a filter.
  std::vector<Value> array_filters;
};

struct ApplyContext {
  // How the selector matched the document: `match->array_index` is what `$` stands for.
  // Default nullptr: a modifier using `$` then fails with "The positional operator did not
  // find the match needed from the query.".
  const MatchDetails* match = nullptr;
  // True when applying to the seed of an upsert (SeedUpsertDocument in upsert.h) that
  // inserts: $setOnInsert applies, and `_id` may be set when the seed has none. Default false:
  // $setOnInsert is skipped.
  bool is_upsert_insert = false;
  // The time $currentDate writes, in milliseconds since the Unix epoch. Default 0: read the
  // system clock.
  int64_t now_millis = 0;
};

class Modifier {
 public:
  // Compiles an update-operator document or a replacement document (see the file comment).
  // Checks everything that does not depend on a document: an unknown operator, a mix of
  // operators and plain fields, bad arguments ($inc of a string, $push $each not an array,
  // $slice not an integer, $rename to a non-string, ...), invalid paths (empty parts, '$'
  // parts, misplaced or repeated `$`), conflicting paths ({$set: {a: 1}, $inc: {"a.b": 1}}),
  // $unset or $rename of `_id`, '$'-prefixed or dotted keys in stored values or in a
  // replacement, array filters that are malformed, unused or missing, nesting beyond kMaxDepth.
  // Errors: InvalidArgument (Unimplemented for decimal operands).
  static absl::StatusOr<Modifier> Compile(ValueView modifier, const ModifierOptions& options = {});

  Modifier(Modifier&&) noexcept;
  Modifier& operator=(Modifier&&) noexcept;
  ~Modifier();

  // The document after the update. Never changes `doc`; on error nothing is returned (no
  // partial result). REQUIRES: `doc` is an object.
  // Errors (InvalidArgument, naming the path): the document has the wrong shape for an
  // operator ($inc/$mul on a non-number, $push/$addToSet/$pop/$pull on a non-array, $bit on a
  // non-integer), a path that must be created inside a scalar or as a named field of an array,
  // `$[]`/`$[ident]` on a missing or non-array value, `$` without a match, an int64 overflow,
  // a change of `_id`, two array paths resolving to the same element ("Update created a
  // conflict at 'a.0'"), a result nested deeper than kMaxDepth.
  // Complexity: a $set/$unset/$inc of plain (non-numeric, non-positional) paths not under
  // `_id` writes the result straight from the packed input, copying untouched fields as
  // blocks; anything else goes through an editable tree that expands only the objects and
  // arrays on the modified paths.
  absl::StatusOr<Value> Apply(ValueView doc, const ApplyContext& context = {}) const;

  // True for a replacement document.
  bool is_replacement() const;

  // The dotted paths this modifier may write, sorted and without duplicates, for routing
  // writes to live queries: a query whose fields are all disjoint from these (neither equal,
  // prefix nor extension) cannot see its result change, except through `$` paths, which are
  // cut before their first positional part ("a.$.b" and "a.$[x]" are reported as "a").
  // Numeric parts are kept ("a.0.b"): they may be array indexes. $rename reports both its
  // source and destination. For a replacement these are the replacement's top-level keys
  // (without `_id`); every other top-level field of the old document is removed as well, so
  // treat a replacement as touching every top-level field. The reference is valid as long as
  // the Modifier.
  const std::vector<std::string>& paths() const;

 private:
  struct Impl;
  explicit Modifier(std::unique_ptr<const Impl> impl);
  std::unique_ptr<const Impl> impl_;
};

// The most common update-operator documents, applied without compiling them: the fast path
// of Collection::Update by `_id`. Parse() accepts a modifier made only of $set, $unset and $inc
// groups whose paths are plain field names ("size", "meta.version": no numeric, '$' or empty
// parts, not under `_id`, at most kMaxParts parts, pairwise without conflicts), whose $set
// values hold only storable keys (no '$' prefix, no '.') and nest at most kMaxValueDepth
// levels, and whose $inc amounts are int32, int64 or double. Everything else is declined.
//
// The contract is equivalence with the compiled path, so that a caller can try this first and
// fall back to Modifier::Compile + Apply without changing any outcome:
//   - Parse(m) true implies Modifier::Compile(m) succeeds (it checks exactly these rules), so
//     declining never hides an error and accepting never accepts a modifier Compile rejects;
//   - Apply(doc) returning a value implies Compile(m)->Apply(doc) returns the same bytes; it
//     declines (nullopt) whenever the document's shape needs the general path (a path through
//     an array or a scalar, $inc of a non-number, an int64 overflow), which then gives the
//     result or the error.
// The result keeps `doc`'s `_id` field first and untouched, only adds keys that are path parts
// or keys of $set values, and nests at most max(depth of doc, kMaxParts + kMaxValueDepth): a
// document that satisfies the store's invariants (collection.h) still does afterwards.
//
// Thread safety: immutable after Parse(); Apply may run concurrently (it uses a thread-local
// builder). The plan holds views into the modifier: REQUIRES the modifier outlives it.
//
// Example:
//   DirectModifier direct;
//   if (direct.Parse(modifier)) {
//     if (std::optional<Value> updated = direct.Apply(doc)) return *updated;
//   }
//   ASSIGN_OR_RETURN(Modifier compiled, Modifier::Compile(modifier));  // the general path
class DirectModifier {
 public:
  // Most parts in a path, most levels of nesting in a $set value, most path nodes in total
  // (distinct prefixes of all paths): beyond these Parse declines (the plan is a fixed array
  // and Apply recurses at most kMaxParts levels).
  static constexpr size_t kMaxParts = 8;
  static constexpr size_t kMaxValueDepth = 8;
  static constexpr size_t kMaxNodes = 32;

  DirectModifier() = default;

  // Checks `modifier` and builds the plan. Returns false (the plan is then unusable) when the
  // modifier is not of the kind described above. O(modifier bytes + paths * nodes).
  bool Parse(ValueView modifier);

  // The updated document, or nullopt when the general path must handle `doc`.
  // REQUIRES: Parse() returned true; doc.IsObject(). O(doc bytes): when every path names a
  // field that exists (see ApplyTo) the result is spliced from the document's bytes, else
  // untouched fields are copied as byte runs, one block copy per run.
  std::optional<Value> Apply(ValueView doc) const;

  // Apply for a store that holds `*doc`, writing the result into `*doc` when every path of the
  // plan names a field that exists (reached through objects) or is an $unset of a missing
  // field, and no $inc meets a non-number or overflows int64. Then the result is written over
  // `*doc`'s bytes when no other Value shares its buffer (see Value::MutablePayloadIfUnique)
  // and every new value ($set operand, $inc sum) has the encoded size of the one it replaces:
  // nothing is allocated. Otherwise `*doc` becomes a new document spliced from the old bytes
  // (one allocation, one copy; Values sharing the old buffer keep it). Returns kApplied when
  // that changed a byte, kUnchanged when the bytes were already those (`*doc` untouched), and
  // kDeclined (`*doc` untouched) when a path is missing and would be created or the document's
  // shape needs the general path; the caller then uses Apply. `*doc` ends byte-identical to
  // what Apply would have returned, and kUnchanged means Apply would have returned its bytes.
  // REQUIRES: Parse() returned true; doc->IsObject(). O(fields before the plan's targets) plus,
  // when a size changes, O(doc bytes) of copying.
  enum class Outcome { kApplied, kUnchanged, kDeclined };
  Outcome ApplyTo(Value* doc) const;

 private:
  enum class Kind : uint8_t { kSet, kUnset, kInc, kInner };
  struct Node {
    FieldKey key;           // the path part, resolved once against the key dictionary
    ValueView operand;      // kSet value, kInc amount
    int8_t first_child;     // kInner: children in application (byte) order
    int8_t next;            // next sibling
    Kind kind;
    bool creates;  // writes something when its field is missing (not only $unset)
  };
  static_assert(kMaxNodes <= 64, "Apply tracks nodes in a 64-bit mask");
  static_assert(std::is_trivially_destructible_v<Node>);

  // Constructs node `i` (an inner node named `key` with no children).
  Node& InitNode(size_t i, const FieldKey& key);
  Node& node(int i) { return slots_[i].node; }
  const Node& node(int i) const { return slots_[i].node; }

  // Adds `path` to the plan; `one_plain_part` when the caller knows it is one plain field
  // name other than `_id` (ObjectIterator::KeyIsPlainFieldName), which skips splitting it.
  bool AddPath(Kind kind, const FieldKey& path, ValueView operand, bool one_plain_part);
  int FindChild(int parent, const ObjectIterator& field) const;
  bool Emit(ValueBuilder* b, ValueView object, int parent, uint64_t* seen) const;

  // The splice: the plan as byte edits of the document, in document order (an object's header
  // edit precedes the edits of its fields). CollectEdits fails (declining) when some path is
  // missing and would be created, or the shape needs the general path.
  struct EditList;
  bool CollectEdits(ValueView object, int parent, EditList* edits, int64_t* delta) const;
  bool CollectField(ValueView value, int c, EditList* edits, int64_t* delta,
                    int32_t* count_delta) const;
  void EmitMissing(ValueBuilder* b, int parent) const;

  // Node 0 is the root (the document); children link by index. Raw storage: only the first
  // node_count_ slots are constructed (constructing all kMaxNodes on every Parse cost more than
  // the parse itself).
  union Slot {
    Slot() {}
    Node node;
  };
  Slot slots_[kMaxNodes];
  size_t node_count_ = 0;
};

}  // namespace minimongo::query

#endif  // MINIMONGO_QUERY_MODIFIER_H_
