#include "query/field_path.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/limits.h"
#include "tests/testing/status_matchers.h"

namespace minimongo::query {
namespace {

using ::minimongo::testing::IsOk;
using ::minimongo::testing::StatusIs;

TEST(FieldPathTest, SplitsComponents) {
  absl::StatusOr<FieldPath> p = FieldPath::Parse("a.b.0.c");
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->dotted(), "a.b.0.c");
  ASSERT_EQ(p->size(), 4u);
  EXPECT_EQ(p->component(0), "a");
  EXPECT_EQ(p->component(1), "b");
  EXPECT_EQ(p->component(2), "0");
  EXPECT_EQ(p->component(3), "c");
  EXPECT_FALSE(p->empty());
}

TEST(FieldPathTest, SingleComponent) {
  absl::StatusOr<FieldPath> p = FieldPath::Parse("parent");
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->size(), 1u);
  EXPECT_EQ(p->component(0), "parent");
  EXPECT_FALSE(p->is_index(0));
  EXPECT_EQ(p->index(0), FieldPath::kNotIndex);
}

TEST(FieldPathTest, CanonicalIntegersAreIndexCandidates) {
  absl::StatusOr<FieldPath> p = FieldPath::Parse("0.7.12.01.-1.1e2.x1.00");
  ASSERT_THAT(p, IsOk());
  ASSERT_EQ(p->size(), 8u);
  EXPECT_TRUE(p->is_index(0));
  EXPECT_EQ(p->index(0), 0u);
  EXPECT_TRUE(p->is_index(1));
  EXPECT_EQ(p->index(1), 7u);
  EXPECT_TRUE(p->is_index(2));
  EXPECT_EQ(p->index(2), 12u);
  EXPECT_FALSE(p->is_index(3)) << "leading zero: names field \"01\", not element 1";
  EXPECT_FALSE(p->is_index(4));
  EXPECT_FALSE(p->is_index(5));
  EXPECT_FALSE(p->is_index(6));
  EXPECT_FALSE(p->is_index(7));
}

TEST(FieldPathTest, HugeIntegerIsNotAnIndex) {
  absl::StatusOr<FieldPath> p = FieldPath::Parse("a.99999999999999999999999999");
  ASSERT_THAT(p, IsOk());
  EXPECT_FALSE(p->is_index(1));
  EXPECT_EQ(p->component(1), "99999999999999999999999999");
}

TEST(FieldPathTest, DollarAndOtherBytesAreKept) {
  absl::StatusOr<FieldPath> p = FieldPath::Parse("$a.b c.é");
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->component(0), "$a");
  EXPECT_EQ(p->component(1), "b c");
  EXPECT_EQ(p->component(2), "é");
}

TEST(FieldPathTest, EmptyComponentsAreFieldsNamedEmpty) {
  absl::StatusOr<FieldPath> empty = FieldPath::Parse("");
  ASSERT_THAT(empty, IsOk());
  ASSERT_EQ(empty->size(), 1u);
  EXPECT_EQ(empty->component(0), "");
  absl::StatusOr<FieldPath> inner = FieldPath::Parse("a..b");
  ASSERT_THAT(inner, IsOk());
  ASSERT_EQ(inner->size(), 3u);
  EXPECT_EQ(inner->component(0), "a");
  EXPECT_EQ(inner->component(1), "");
  EXPECT_EQ(inner->component(2), "b");
  absl::StatusOr<FieldPath> edges = FieldPath::Parse(".");
  ASSERT_THAT(edges, IsOk());
  EXPECT_EQ(edges->size(), 2u);
  EXPECT_FALSE(edges->is_index(0));
}

TEST(FieldPathTest, RejectsMoreThanMaxDepthComponents) {
  std::string ok = "a";
  for (size_t i = 1; i < kMaxDepth; ++i) ok += ".a";
  EXPECT_THAT(FieldPath::Parse(ok), IsOk());
  EXPECT_THAT(FieldPath::Parse(ok + ".a"),
              StatusIs(absl::StatusCode::kInvalidArgument, "more than 100 components"));
}

TEST(FieldPathTest, PrefixAndEquality) {
  FieldPath p = *FieldPath::Parse("a.b.c");
  FieldPath two = p.Prefix(2);
  EXPECT_EQ(two.dotted(), "a.b");
  EXPECT_EQ(two.size(), 2u);
  EXPECT_EQ(two.component(1), "b");
  EXPECT_EQ(p.Prefix(3), p);
  EXPECT_EQ(p.Prefix(10), p);
  EXPECT_TRUE(p.Prefix(0).empty());
  EXPECT_NE(two, p);
  EXPECT_EQ(two, *FieldPath::Parse("a.b"));
}

TEST(FieldPathTest, CopiesAreIndependent) {
  FieldPath p = *FieldPath::Parse("x.1");
  FieldPath q = p;
  p = *FieldPath::Parse("y");
  EXPECT_EQ(q.dotted(), "x.1");
  EXPECT_EQ(q.component(1), "1");
  EXPECT_TRUE(q.is_index(1));
}

}  // namespace
}  // namespace minimongo::query
