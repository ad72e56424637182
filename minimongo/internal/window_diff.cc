#include "minimongo/internal/window_diff.h"

#include <algorithm>
#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "query/value_order.h"

namespace minimongo::internal {
namespace {

constexpr size_t kAbsent = SIZE_MAX;

// Presence bits with prefix counts (Fenwick, 1994).
class Fenwick {
 public:
  explicit Fenwick(size_t n) : tree_(n + 1, 0) {}
  void Add(size_t i, int delta) {
    for (++i; i < tree_.size(); i += i & (~i + 1)) tree_[i] += delta;
  }
  // Number of present positions < i.
  size_t Before(size_t i) const {
    int64_t sum = 0;
    for (; i > 0; i -= i & (~i + 1)) sum += tree_[i];
    return static_cast<size_t>(sum);
  }

 private:
  std::vector<int64_t> tree_;
};

// Marks, in `in_lis`, a longest strictly increasing subsequence of `seq` (patience sorting
// with predecessor links).
std::vector<bool> LongestIncreasing(const std::vector<size_t>& seq) {
  std::vector<size_t> tails;  // tails[k]: index in seq of the smallest tail of a length-k+1 run
  std::vector<size_t> prev(seq.size(), kAbsent);
  for (size_t i = 0; i < seq.size(); ++i) {
    auto it = std::lower_bound(tails.begin(), tails.end(), seq[i],
                               [&](size_t t, size_t v) { return seq[t] < v; });
    const size_t k = it - tails.begin();
    if (k > 0) prev[i] = tails[k - 1];
    if (it == tails.end()) {
      tails.push_back(i);
    } else {
      *it = i;
    }
  }
  std::vector<bool> in_lis(seq.size(), false);
  for (size_t i = tails.empty() ? kAbsent : tails.back(); i != kAbsent; i = prev[i]) {
    in_lis[i] = true;
  }
  return in_lis;
}

}  // namespace

std::vector<DiffOp> DiffSequences(const std::vector<query::ValueView>& old_ids,
                                  const std::vector<query::ValueView>& new_ids, bool ordered) {
  absl::flat_hash_map<query::ValueView, size_t, query::ValueHash, query::ValueEq> old_pos;
  old_pos.reserve(old_ids.size());
  for (size_t i = 0; i < old_ids.size(); ++i) old_pos.emplace(old_ids[i], i);
  std::vector<size_t> old_of_new(new_ids.size(), kAbsent);
  std::vector<bool> kept(old_ids.size(), false);
  for (size_t j = 0; j < new_ids.size(); ++j) {
    auto it = old_pos.find(new_ids[j]);
    if (it == old_pos.end()) continue;
    old_of_new[j] = it->second;
    kept[it->second] = true;
  }

  std::vector<DiffOp> ops;
  // Removals, last first: each index is then the old position.
  for (size_t i = old_ids.size(); i-- > 0;) {
    if (!kept[i]) ops.push_back({DiffOp::Kind::kRemove, i, 0, i, 0});
  }
  if (!ordered) {
    for (size_t j = 0; j < new_ids.size(); ++j) {
      if (old_of_new[j] != kAbsent) ops.push_back({DiffOp::Kind::kChange, old_of_new[j], j, 0, 0});
    }
    for (size_t j = 0; j < new_ids.size(); ++j) {
      if (old_of_new[j] == kAbsent) ops.push_back({DiffOp::Kind::kAdd, 0, j, 0, 0});
    }
    return ops;
  }

  // C: the kept documents in old order, with their new positions.
  std::vector<size_t> c_old;  // old position of C[c]
  std::vector<size_t> c_new;  // new position of C[c]
  std::vector<size_t> c_of_old(old_ids.size(), kAbsent);
  for (size_t i = 0; i < old_ids.size(); ++i) {
    if (!kept[i]) continue;
    c_of_old[i] = c_old.size();
    c_old.push_back(i);
  }
  c_new.resize(c_old.size());
  for (size_t j = 0; j < new_ids.size(); ++j) {
    if (old_of_new[j] != kAbsent) c_new[c_of_old[old_of_new[j]]] = j;
  }
  const std::vector<bool> stays = LongestIncreasing(c_new);

  // The total order of slots: per gap before each staying document (and after the last one),
  // the old slots of the moving documents of that gap, then the new slots of the documents
  // placed in it, then the staying document itself. A placed document goes just before its
  // successor, which is the next new slot or the staying document closing the gap, so this
  // order holds at every step.
  std::vector<size_t> g_old(c_old.size(), kAbsent);  // slot of C[c] at its old place
  std::vector<size_t> g_new(new_ids.size(), kAbsent);  // slot of new[j] at its new place
  size_t slot = 0;
  size_t c = 0;
  size_t j = 0;
  while (c < c_old.size() || j < new_ids.size()) {
    // The next staying document in C order (or the end).
    size_t next_stay = c;
    while (next_stay < c_old.size() && !stays[next_stay]) ++next_stay;
    const size_t j_end = next_stay < c_old.size() ? c_new[next_stay] : new_ids.size();
    for (; c < next_stay; ++c) g_old[c] = slot++;
    for (; j < j_end; ++j) g_new[j] = slot++;
    if (next_stay < c_old.size()) {
      g_old[c] = g_new[j] = slot++;
      ++c;
      ++j;
    }
  }
  Fenwick present(slot);
  for (size_t k = 0; k < c_old.size(); ++k) present.Add(g_old[k], 1);

  for (size_t jj = new_ids.size(); jj-- > 0;) {
    if (old_of_new[jj] == kAbsent) {
      ops.push_back({DiffOp::Kind::kAdd, 0, jj, present.Before(g_new[jj]), 0});
      present.Add(g_new[jj], 1);
      continue;
    }
    const size_t ck = c_of_old[old_of_new[jj]];
    const size_t from = present.Before(g_old[ck]);
    ops.push_back({DiffOp::Kind::kChange, old_of_new[jj], jj, from, 0});
    if (stays[ck]) continue;
    present.Add(g_old[ck], -1);
    const size_t to = present.Before(g_new[jj]);
    present.Add(g_new[jj], 1);
    ops.push_back({DiffOp::Kind::kMove, old_of_new[jj], jj, from, to});
  }
  return ops;
}

}  // namespace minimongo::internal
