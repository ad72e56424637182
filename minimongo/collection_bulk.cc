// Collection's prefetch hints and BulkUpdate: ordered updates with a prefetch pipeline.
//
// An update by `_id` waits on four loads: the request's selector and modifier (heap blocks of
// the caller's), then three dependent ones, the index entry, the slot (the document's handle)
// and the document. Run one after another, a batch of updates pays those latencies in series.
// Here request i runs while later requests' loads are started, one stage each:
//
//   request i + kRequestAhead  prefetch its selector and modifier
//   request i + kEntryAhead    hash its id, prefetch the index entry   (PrefetchIdEntry)
//   request i + kSlotAhead     read the (now cached) entry, prefetch the slot it names
//   request i + kDocAhead      read the (now cached) slot, prefetch the document's first lines
//   request i                  the update, on cached data, with the id's hash already known
//
// The stages only read and prefetch: a guess that turned stale (an earlier request replaced
// the document, or the entry belonged to another id with the same hash bits) costs a wasted
// prefetch, never a wrong result. Results are those of Update() called in order.

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "fmt/format.h"
#include "minimongo/collection.h"
#include "minimongo/internal/id_index.h"

namespace minimongo {

using query::Value;
using query::ValueView;

Collection::IdPrefetch Collection::PrefetchIdEntry(ValueView id) const {
  IdPrefetch p;
  p.hash = internal::IdIndex::Hash(id);
  index_->PrefetchEntry(p.hash);
  return p;
}

Collection::IdPrefetch Collection::PrefetchIdEntry(std::string_view string_id) const {
  IdPrefetch p;
  p.hash = internal::IdIndex::HashString(string_id);
  index_->PrefetchEntry(p.hash);
  return p;
}

void Collection::PrefetchIdSlot(IdPrefetch* p) const {
  p->slot = index_->GuessSlot(p->hash);
  if (p->slot >= 0 && static_cast<size_t>(p->slot) < slots_.size()) {
    __builtin_prefetch(&slots_[p->slot]);
  }
}

void Collection::PrefetchIdDocument(const IdPrefetch& p) const {
  if (p.slot < 0 || static_cast<size_t>(p.slot) >= slots_.size()) return;
  const unsigned char* doc = slots_[p.slot].view().payload();
  __builtin_prefetch(doc);
  __builtin_prefetch(doc + 64);
  __builtin_prefetch(doc + 128);
  __builtin_prefetch(doc + 192);
}

namespace {

// Distances in requests; an update costs a few hundred ns, a miss to memory about one.
constexpr size_t kRequestAhead = 24;
constexpr size_t kEntryAhead = 16;
constexpr size_t kSlotAhead = 10;
constexpr size_t kDocAhead = 5;
constexpr size_t kRing = 32;  // > kEntryAhead: the stages' state, by request index mod kRing
static_assert(kEntryAhead < kRing && kSlotAhead < kEntryAhead && kDocAhead < kSlotAhead);
static_assert(kEntryAhead < kRequestAhead);

}  // namespace

BulkUpdateResult Collection::BulkUpdate(std::span<const UpdateRequest> requests) {
  struct Stage {
    bool by_id = false;
    ValueView id;  // the plain `_id` of the request's selector, when by_id
    IdPrefetch prefetch;
  };
  std::array<Stage, kRing> ring;
  auto start_request = [&](size_t k) {
    __builtin_prefetch(requests[k].selector.view().payload());
    __builtin_prefetch(requests[k].modifier.view().payload());
  };
  auto start_entry = [&](size_t k) {
    Stage& st = ring[k % kRing];
    st = Stage{};
    if (!requests[k].options.array_filters.empty()) return;  // not the by-id fast path
    std::optional<ValueView> id = PlainIdSelector(requests[k].selector.view());
    if (!id) return;
    st.by_id = true;
    st.id = *id;
    st.prefetch = PrefetchIdEntry(*id);
  };
  auto start_slot = [&](size_t k) {
    Stage& st = ring[k % kRing];
    if (st.by_id) PrefetchIdSlot(&st.prefetch);
  };
  auto start_document = [&](size_t k) {
    const Stage& st = ring[k % kRing];
    if (st.by_id) PrefetchIdDocument(st.prefetch);
  };

  const size_t n = requests.size();
  // Fill the pipeline: the first requests get the stages they would have had.
  for (size_t k = 0; k < n && k < kRequestAhead; ++k) start_request(k);
  for (size_t k = 0; k < n && k < kEntryAhead; ++k) start_entry(k);
  for (size_t k = 0; k < n && k < kSlotAhead; ++k) start_slot(k);
  for (size_t k = 0; k < n && k < kDocAhead; ++k) start_document(k);

  BulkUpdateResult out;
  for (size_t i = 0; i < n; ++i) {
    if (i + kRequestAhead < n) start_request(i + kRequestAhead);
    if (i + kEntryAhead < n) start_entry(i + kEntryAhead);
    if (i + kSlotAhead < n) start_slot(i + kSlotAhead);
    if (i + kDocAhead < n) start_document(i + kDocAhead);
    const UpdateRequest& r = requests[i];
    const Stage& st = ring[i % kRing];
    const KnownId known{st.id, st.prefetch.hash};
    absl::StatusOr<UpdateResult> result =
        UpdateImpl(r.selector, r.modifier, r.options, st.by_id ? &known : nullptr);
    if (!result.ok()) {
      out.error = absl::Status(result.status().code(),
                               fmt::format("update {}: {}", i, std::string(result.status().message())));
      return out;
    }
    ++out.applied;
    out.matched += result->matched;
    out.modified += result->modified;
    if (result->upserted_id) out.upserted.emplace_back(i, *std::move(result->upserted_id));
  }
  return out;
}

}  // namespace minimongo
