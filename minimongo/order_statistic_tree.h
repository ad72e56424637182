// An order-statistic tree: a sorted multiset that also answers "what is at position k" and
// "at which position is this element" in O(log n).
//
// Live queries with a sort, a skip or a limit keep every matching document in one of these,
// keyed by (sort key, insertion sequence), and read their window [skip, skip + limit) by rank:
// a write costs O(log n) whatever the window (see docs/observe.md).
//
// Structure: a treap (Seidel and Aragon, "Randomized search trees", 1996): a binary search tree
// on the elements that is also a max-heap on a random priority per node, which keeps the
// expected depth O(log n) for any insertion order. Every node counts the nodes of its subtree,
// which turns Select and Rank into one descent or ascent. Nodes live in one vector (32-bit
// links, a free list for erased nodes) and carry a parent link, so every operation is a loop:
// there is no recursion at all, and handles stay valid until their element is erased.
// Priorities come from a generator with a fixed seed, so the shape, and with it every
// figure measured on the tree, is reproducible.
//
// Invariants (CheckInvariants() verifies them): in-order traversal is sorted under `Less`;
// each node's priority is >= its children's; each node's `size` is 1 + its children's sizes;
// parent and child links agree.
//
// Complexity (expected): Insert, Erase, Rank, Select, CountLess, LowerBound O(log n); Next and
// Prev O(1) amortized over a traversal, O(log n) worst case; memory sizeof(T) + 24 bytes per
// element.
//
// Thread safety: none; const methods may run concurrently with each other.
//
// Example:
//   OrderStatisticTree<int, std::less<int>> tree;
//   auto h = tree.Insert(42);
//   tree.Insert(7);
//   tree.Rank(h);                  // 1
//   tree.Get(tree.Select(0));      // 7
//   tree.CountLess(40);            // 1

#ifndef MINIMONGO_MINIMONGO_ORDER_STATISTIC_TREE_H_
#define MINIMONGO_MINIMONGO_ORDER_STATISTIC_TREE_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace minimongo {

// `T` must be default-constructible and movable (an erased node's element is reset to T() so
// that what it held is released at once). `Less` is a strict weak ordering over T; the
// searches (CountLess, LowerBound) call less(element, probe) and less(probe, element) with a
// probe of any type the functor accepts.
template <typename T, typename Less>
class OrderStatisticTree {
 public:
  // A stable reference to an element, valid until that element is erased or Clear() runs.
  using Handle = uint32_t;
  static constexpr Handle kNone = std::numeric_limits<uint32_t>::max();

  explicit OrderStatisticTree(Less less = Less(), uint64_t seed = 0x9e3779b97f4a7c15ULL)
      : less_(std::move(less)), rng_(seed) {}

  size_t size() const { return root_ == kNone ? 0 : nodes_[root_].size; }
  bool empty() const { return root_ == kNone; }

  // Removes every element (handles become invalid).
  void Clear() {
    nodes_.clear();
    free_.clear();
    root_ = kNone;
  }

  // Inserts `value` after every element equal to it (neither less than the other). Returns
  // its handle. O(log n) expected.
  Handle Insert(T value) {
    const Handle x = NewNode(std::move(value));
    if (root_ == kNone) {
      root_ = x;
      return x;
    }
    Handle cur = root_;
    while (true) {
      Node& c = nodes_[cur];
      ++c.size;
      const bool go_left = less_(nodes_[x].value, c.value);
      const Handle next = go_left ? c.left : c.right;
      if (next == kNone) {
        (go_left ? c.left : c.right) = x;
        nodes_[x].parent = cur;
        break;
      }
      cur = next;
    }
    while (nodes_[x].parent != kNone && nodes_[nodes_[x].parent].priority < nodes_[x].priority) {
      RotateUp(x);
    }
    return x;
  }

  // Removes the element of `h`. REQUIRES: `h` is a live handle. O(log n) expected.
  void Erase(Handle h) {
    // Rotate the node down (raising its higher-priority child) until it has at most one
    // child, then splice it out.
    while (nodes_[h].left != kNone && nodes_[h].right != kNone) {
      const Handle l = nodes_[h].left;
      const Handle r = nodes_[h].right;
      RotateUp(nodes_[l].priority > nodes_[r].priority ? l : r);
    }
    const Handle child = nodes_[h].left != kNone ? nodes_[h].left : nodes_[h].right;
    const Handle parent = nodes_[h].parent;
    if (child != kNone) nodes_[child].parent = parent;
    if (parent == kNone) {
      root_ = child;
    } else {
      Node& p = nodes_[parent];
      (p.left == h ? p.left : p.right) = child;
      for (Handle a = parent; a != kNone; a = nodes_[a].parent) --nodes_[a].size;
    }
    nodes_[h].value = T();
    nodes_[h].parent = nodes_[h].left = nodes_[h].right = kNone;
    free_.push_back(h);
  }

  // The element of `h`. REQUIRES: `h` is a live handle.
  const T& Get(Handle h) const { return nodes_[h].value; }
  // Mutable access, for the parts of the element that do not take part in the order.
  // REQUIRES: `h` is a live handle; the change keeps the element's position under `Less`.
  T& Mutable(Handle h) { return nodes_[h].value; }

  // The position (0-based) of the element of `h`. O(log n) expected.
  size_t Rank(Handle h) const {
    size_t rank = SizeOf(nodes_[h].left);
    for (Handle x = h, p = nodes_[h].parent; p != kNone; x = p, p = nodes_[p].parent) {
      if (nodes_[p].right == x) rank += SizeOf(nodes_[p].left) + 1;
    }
    return rank;
  }

  // The element at position `rank`, or kNone when rank >= size(). O(log n) expected.
  Handle Select(size_t rank) const {
    Handle x = root_;
    while (x != kNone) {
      const size_t left = SizeOf(nodes_[x].left);
      if (rank < left) {
        x = nodes_[x].left;
      } else if (rank == left) {
        return x;
      } else {
        rank -= left + 1;
        x = nodes_[x].right;
      }
    }
    return kNone;
  }

  // The number of elements less than `probe`. O(log n) expected.
  template <typename Probe>
  size_t CountLess(const Probe& probe) const {
    size_t count = 0;
    for (Handle x = root_; x != kNone;) {
      if (less_(nodes_[x].value, probe)) {
        count += SizeOf(nodes_[x].left) + 1;
        x = nodes_[x].right;
      } else {
        x = nodes_[x].left;
      }
    }
    return count;
  }

  // The first element not less than `probe`, or kNone. O(log n) expected.
  template <typename Probe>
  Handle LowerBound(const Probe& probe) const {
    Handle found = kNone;
    for (Handle x = root_; x != kNone;) {
      if (less_(nodes_[x].value, probe)) {
        x = nodes_[x].right;
      } else {
        found = x;
        x = nodes_[x].left;
      }
    }
    return found;
  }

  // The first / last element, or kNone when empty.
  Handle First() const { return root_ == kNone ? kNone : Leftmost(root_); }
  Handle Last() const {
    if (root_ == kNone) return kNone;
    Handle x = root_;
    while (nodes_[x].right != kNone) x = nodes_[x].right;
    return x;
  }

  // The element after / before `h` in order, or kNone. REQUIRES: `h` is a live handle.
  Handle Next(Handle h) const {
    if (nodes_[h].right != kNone) return Leftmost(nodes_[h].right);
    Handle x = h;
    Handle p = nodes_[x].parent;
    while (p != kNone && nodes_[p].right == x) {
      x = p;
      p = nodes_[p].parent;
    }
    return p;
  }
  Handle Prev(Handle h) const {
    if (nodes_[h].left != kNone) {
      Handle x = nodes_[h].left;
      while (nodes_[x].right != kNone) x = nodes_[x].right;
      return x;
    }
    Handle x = h;
    Handle p = nodes_[x].parent;
    while (p != kNone && nodes_[p].left == x) {
      x = p;
      p = nodes_[p].parent;
    }
    return p;
  }

  // Verifies the invariants of the file comment by walking every node (for tests). O(n).
  bool CheckInvariants() const {
    if (root_ == kNone) return true;
    if (nodes_[root_].parent != kNone) return false;
    size_t visited = 0;
    Handle prev = kNone;
    for (Handle x = First(); x != kNone; x = Next(x)) {
      const Node& n = nodes_[x];
      if (n.size != 1 + SizeOf(n.left) + SizeOf(n.right)) return false;
      for (Handle c : {n.left, n.right}) {
        if (c == kNone) continue;
        if (nodes_[c].parent != x || nodes_[c].priority > n.priority) return false;
      }
      if (prev != kNone && less_(n.value, nodes_[prev].value)) return false;
      prev = x;
      if (++visited > nodes_.size()) return false;  // a cycle
    }
    return visited == nodes_[root_].size && visited + free_.size() == nodes_.size();
  }

 private:
  struct Node {
    T value;
    Handle left = kNone;
    Handle right = kNone;
    Handle parent = kNone;
    uint32_t size = 1;
    uint32_t priority = 0;
  };

  size_t SizeOf(Handle h) const { return h == kNone ? 0 : nodes_[h].size; }

  Handle Leftmost(Handle x) const {
    while (nodes_[x].left != kNone) x = nodes_[x].left;
    return x;
  }

  uint32_t NextPriority() {
    // SplitMix64 (Steele, Lea and Flood, 2014).
    uint64_t z = (rng_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<uint32_t>((z ^ (z >> 31)) >> 32);
  }

  Handle NewNode(T value) {
    Handle h;
    if (!free_.empty()) {
      h = free_.back();
      free_.pop_back();
    } else {
      h = static_cast<Handle>(nodes_.size());
      nodes_.emplace_back();
    }
    Node& n = nodes_[h];
    n.value = std::move(value);
    n.left = n.right = n.parent = kNone;
    n.size = 1;
    n.priority = NextPriority();
    return h;
  }

  // Rotates `x` above its parent, keeping the in-order sequence and the subtree sizes.
  void RotateUp(Handle x) {
    const Handle p = nodes_[x].parent;
    const Handle g = nodes_[p].parent;
    if (nodes_[p].left == x) {
      const Handle b = nodes_[x].right;
      nodes_[p].left = b;
      if (b != kNone) nodes_[b].parent = p;
      nodes_[x].right = p;
    } else {
      const Handle b = nodes_[x].left;
      nodes_[p].right = b;
      if (b != kNone) nodes_[b].parent = p;
      nodes_[x].left = p;
    }
    nodes_[p].parent = x;
    nodes_[x].parent = g;
    if (g == kNone) {
      root_ = x;
    } else {
      Node& gn = nodes_[g];
      (gn.left == p ? gn.left : gn.right) = x;
    }
    nodes_[p].size = static_cast<uint32_t>(1 + SizeOf(nodes_[p].left) + SizeOf(nodes_[p].right));
    nodes_[x].size = static_cast<uint32_t>(1 + SizeOf(nodes_[x].left) + SizeOf(nodes_[x].right));
  }

  Less less_;
  uint64_t rng_;
  std::vector<Node> nodes_;
  std::vector<Handle> free_;
  Handle root_ = kNone;
};

}  // namespace minimongo

#endif  // MINIMONGO_MINIMONGO_ORDER_STATISTIC_TREE_H_
