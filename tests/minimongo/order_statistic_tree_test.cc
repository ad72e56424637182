// Tests of OrderStatisticTree: hand-written cases, then a randomized comparison with a sorted
// std::vector (the model) under inserts, erases, and every query, with the invariants checked
// as it goes. The seed is fixed and printed on failure; override with --gtest_random_seed.

#include "minimongo/order_statistic_tree.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace minimongo {
namespace {

using IntTree = OrderStatisticTree<int, std::less<int>>;

std::vector<int> InOrder(const IntTree& tree) {
  std::vector<int> out;
  for (auto h = tree.First(); h != IntTree::kNone; h = tree.Next(h)) out.push_back(tree.Get(h));
  return out;
}

TEST(OrderStatisticTreeTest, EmptyTree) {
  IntTree tree;
  EXPECT_TRUE(tree.empty());
  EXPECT_EQ(tree.size(), 0u);
  EXPECT_EQ(tree.First(), IntTree::kNone);
  EXPECT_EQ(tree.Last(), IntTree::kNone);
  EXPECT_EQ(tree.Select(0), IntTree::kNone);
  EXPECT_EQ(tree.CountLess(5), 0u);
  EXPECT_EQ(tree.LowerBound(5), IntTree::kNone);
  EXPECT_TRUE(tree.CheckInvariants());
}

TEST(OrderStatisticTreeTest, RankSelectAndSearches) {
  IntTree tree;
  auto h42 = tree.Insert(42);
  auto h7 = tree.Insert(7);
  auto h19 = tree.Insert(19);
  EXPECT_EQ(tree.size(), 3u);
  EXPECT_EQ(tree.Rank(h7), 0u);
  EXPECT_EQ(tree.Rank(h19), 1u);
  EXPECT_EQ(tree.Rank(h42), 2u);
  EXPECT_EQ(tree.Get(tree.Select(0)), 7);
  EXPECT_EQ(tree.Get(tree.Select(2)), 42);
  EXPECT_EQ(tree.Select(3), IntTree::kNone);
  EXPECT_EQ(tree.CountLess(7), 0u);
  EXPECT_EQ(tree.CountLess(8), 1u);
  EXPECT_EQ(tree.CountLess(100), 3u);
  EXPECT_EQ(tree.LowerBound(8), h19);
  EXPECT_EQ(tree.LowerBound(19), h19);
  EXPECT_EQ(tree.LowerBound(43), IntTree::kNone);
  EXPECT_EQ(tree.First(), h7);
  EXPECT_EQ(tree.Last(), h42);
  EXPECT_EQ(tree.Next(h19), h42);
  EXPECT_EQ(tree.Prev(h19), h7);
  EXPECT_EQ(tree.Next(h42), IntTree::kNone);
  EXPECT_EQ(tree.Prev(h7), IntTree::kNone);
  EXPECT_TRUE(tree.CheckInvariants());
}

TEST(OrderStatisticTreeTest, EqualElementsGoAfterExistingOnes) {
  // Elements ordered by the first member only: equal keys keep insertion order.
  struct FirstLess {
    bool operator()(const std::pair<int, int>& a, const std::pair<int, int>& b) const {
      return a.first < b.first;
    }
  };
  OrderStatisticTree<std::pair<int, int>, FirstLess> tree;
  tree.Insert({1, 0});
  tree.Insert({0, 1});
  tree.Insert({1, 2});
  tree.Insert({1, 3});
  std::vector<int> seconds;
  for (auto h = tree.First(); h != tree.kNone; h = tree.Next(h)) seconds.push_back(tree.Get(h).second);
  EXPECT_EQ(seconds, (std::vector<int>{1, 0, 2, 3}));
}

TEST(OrderStatisticTreeTest, EraseKeepsHandlesOfOtherElements) {
  IntTree tree;
  std::vector<IntTree::Handle> handles;
  for (int i = 0; i < 100; ++i) handles.push_back(tree.Insert(i));
  for (int i = 0; i < 100; i += 2) tree.Erase(handles[i]);
  EXPECT_EQ(tree.size(), 50u);
  for (int i = 1; i < 100; i += 2) {
    EXPECT_EQ(tree.Get(handles[i]), i);
    EXPECT_EQ(tree.Rank(handles[i]), static_cast<size_t>(i / 2));
  }
  EXPECT_TRUE(tree.CheckInvariants());
  // Erased nodes are reused.
  for (int i = 0; i < 50; ++i) tree.Insert(1000 + i);
  EXPECT_EQ(tree.size(), 100u);
  EXPECT_TRUE(tree.CheckInvariants());
}

TEST(OrderStatisticTreeTest, EraseReleasesTheElement) {
  auto shared = std::make_shared<int>(5);
  struct PtrLess {
    bool operator()(const std::shared_ptr<int>& a, const std::shared_ptr<int>& b) const {
      return a.get() < b.get();
    }
  };
  OrderStatisticTree<std::shared_ptr<int>, PtrLess> tree;
  auto h = tree.Insert(shared);
  EXPECT_EQ(shared.use_count(), 2);
  tree.Erase(h);
  EXPECT_EQ(shared.use_count(), 1);
}

TEST(OrderStatisticTreeTest, SortedInsertionStaysShallow) {
  // A plain BST would degenerate into a list; the treap must not (rank of the last element
  // is computed by an ascent, so a degenerate tree would still answer correctly: check the
  // answers and the invariants, which include the heap order that bounds the depth).
  IntTree tree;
  for (int i = 0; i < 100000; ++i) tree.Insert(i);
  EXPECT_EQ(tree.Rank(tree.Last()), 99999u);
  EXPECT_EQ(tree.Get(tree.Select(54321)), 54321);
  EXPECT_TRUE(tree.CheckInvariants());
}

TEST(OrderStatisticTreeTest, ClearEmptiesTheTree) {
  IntTree tree;
  for (int i = 0; i < 10; ++i) tree.Insert(i);
  tree.Clear();
  EXPECT_TRUE(tree.empty());
  EXPECT_EQ(InOrder(tree), std::vector<int>{});
  tree.Insert(3);
  EXPECT_EQ(InOrder(tree), std::vector<int>{3});
}

uint64_t TestSeed() {
  // The flag, not UnitTest::random_seed(): without the flag that one is time-based.
  const int32_t seed = GTEST_FLAG_GET(random_seed);
  return seed != 0 ? static_cast<uint64_t>(seed) : 424242;
}

TEST(OrderStatisticTreeTest, RandomOperationsMatchASortedVector) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE("seed " + std::to_string(seed) + " (replay with --gtest_random_seed)");
  std::mt19937_64 rng(seed);
  IntTree tree;
  // The model: (value, handle) sorted by value, equal values in insertion order.
  std::vector<std::pair<int, IntTree::Handle>> model;
  for (int step = 0; step < 200000; ++step) {
    const int op = static_cast<int>(rng() % 10);
    if (op < 5 || model.empty()) {
      const int v = static_cast<int>(rng() % 500);
      auto h = tree.Insert(v);
      auto pos = std::upper_bound(model.begin(), model.end(), v,
                                  [](int x, const auto& e) { return x < e.first; });
      model.insert(pos, {v, h});
    } else if (op < 8) {
      const size_t i = rng() % model.size();
      tree.Erase(model[i].second);
      model.erase(model.begin() + i);
    } else {
      const size_t i = rng() % model.size();
      ASSERT_EQ(tree.Rank(model[i].second), i);
      ASSERT_EQ(tree.Select(i), model[i].second);
      const int probe = static_cast<int>(rng() % 520);
      const size_t less = std::lower_bound(model.begin(), model.end(), probe,
                                           [](const auto& e, int x) { return e.first < x; }) -
                          model.begin();
      ASSERT_EQ(tree.CountLess(probe), less);
      ASSERT_EQ(tree.LowerBound(probe),
                less < model.size() ? model[less].second : IntTree::kNone);
      ASSERT_EQ(tree.Next(model[i].second),
                i + 1 < model.size() ? model[i + 1].second : IntTree::kNone);
      ASSERT_EQ(tree.Prev(model[i].second), i > 0 ? model[i - 1].second : IntTree::kNone);
    }
    ASSERT_EQ(tree.size(), model.size());
    if (step % 5000 == 0) {
      ASSERT_TRUE(tree.CheckInvariants()) << "step " << step;
    }
  }
  ASSERT_TRUE(tree.CheckInvariants());
  std::vector<int> expected;
  for (const auto& e : model) expected.push_back(e.first);
  EXPECT_EQ(InOrder(tree), expected);
}

}  // namespace
}  // namespace minimongo
