// Collection::BulkUpdate: ordered updates with a prefetch pipeline.
//
// An update by `_id` waits on three dependent loads: the index entry, the slot (the document's
// handle) and the document. Run one after another, a batch of updates pays those latencies in
// series. Here request i runs while later requests' loads are started, one stage each:
//
//   request i + kEntryAhead  hash its id, prefetch the index entry
//   request i + kSlotAhead   read the (now cached) entry, prefetch the slot it names
//   request i + kDocAhead    read the (now cached) slot, prefetch the document's first lines
//   request i                Update(), on cached data
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

namespace {

// Distances in requests; an update costs a few hundred ns, a miss to memory about one.
constexpr size_t kEntryAhead = 12;
constexpr size_t kSlotAhead = 8;
constexpr size_t kDocAhead = 4;
constexpr size_t kRing = 16;  // > kEntryAhead: the stages' state, by request index mod kRing
static_assert(kEntryAhead < kRing && kSlotAhead < kEntryAhead && kDocAhead < kSlotAhead);

}  // namespace

BulkUpdateResult Collection::BulkUpdate(std::span<const UpdateRequest> requests) {
  struct Stage {
    bool by_id = false;
    uint64_t hash = 0;
    int64_t slot = -1;
  };
  std::array<Stage, kRing> ring;
  auto start_entry = [&](size_t k) {
    Stage& st = ring[k % kRing];
    st = Stage{};
    std::optional<ValueView> id = PlainIdSelector(requests[k].selector.view());
    if (!id) return;
    st.by_id = true;
    st.hash = internal::IdIndex::Hash(*id);
    index_->PrefetchEntry(st.hash);
  };
  auto start_slot = [&](size_t k) {
    Stage& st = ring[k % kRing];
    if (!st.by_id) return;
    st.slot = index_->GuessSlot(st.hash);
    if (st.slot >= 0 && static_cast<size_t>(st.slot) < slots_.size()) {
      __builtin_prefetch(&slots_[st.slot]);
    }
  };
  auto start_document = [&](size_t k) {
    const Stage& st = ring[k % kRing];
    if (st.slot < 0 || static_cast<size_t>(st.slot) >= slots_.size()) return;
    ValueView doc = slots_[st.slot].view();
    __builtin_prefetch(doc.payload());
    __builtin_prefetch(doc.payload() + 64);
    __builtin_prefetch(requests[k].modifier.view().payload());
  };

  const size_t n = requests.size();
  // Fill the pipeline: the first requests get the stages they would have had.
  for (size_t k = 0; k < n && k < kEntryAhead; ++k) start_entry(k);
  for (size_t k = 0; k < n && k < kSlotAhead; ++k) start_slot(k);
  for (size_t k = 0; k < n && k < kDocAhead; ++k) start_document(k);

  BulkUpdateResult out;
  for (size_t i = 0; i < n; ++i) {
    if (i + kEntryAhead < n) start_entry(i + kEntryAhead);
    if (i + kSlotAhead < n) start_slot(i + kSlotAhead);
    if (i + kDocAhead < n) start_document(i + kDocAhead);
    const UpdateRequest& r = requests[i];
    absl::StatusOr<UpdateResult> result = Update(r.selector, r.modifier, r.options);
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
