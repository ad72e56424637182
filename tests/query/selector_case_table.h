// Table-driven selector tests: {selector, document, expected} rows written as EJSON text.
//
//   ExpectMatches({
//       {R"({"a": 1})", R"({"a": [1, 2]})", true},
//   });
//
// Each row is parsed with ParseEjson, compiled with Selector::Compile and matched; a failure
// names the row. ExpectCompileError() checks a rejection's code and message fragment.

#ifndef MINIMONGO_TESTS_QUERY_SELECTOR_CASE_TABLE_H_
#define MINIMONGO_TESTS_QUERY_SELECTOR_CASE_TABLE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "query/ejson.h"
#include "query/selector.h"
#include "query/value.h"

namespace minimongo::query::testing {

struct MatchCase {
  const char* selector;
  const char* doc;
  bool expected;
};

inline Value Ejson(const std::string& text) {
  absl::StatusOr<Value> v = ParseEjson(text);
  EXPECT_TRUE(v.ok()) << "bad EJSON in test: " << text << ": " << v.status();
  return v.ok() ? *std::move(v) : Value();
}

inline void ExpectMatches(const std::vector<MatchCase>& cases) {
  for (const MatchCase& c : cases) {
    SCOPED_TRACE(std::string("selector ") + c.selector + " on " + c.doc);
    Value selector = Ejson(c.selector);
    Value doc = Ejson(c.doc);
    absl::StatusOr<Selector> compiled = Selector::Compile(selector.view());
    ASSERT_TRUE(compiled.ok()) << compiled.status();
    EXPECT_EQ(compiled->Matches(doc.view()), c.expected);
    MatchDetails details;
    EXPECT_EQ(compiled->Matches(doc.view(), &details), c.expected) << "with details";
  }
}

struct ErrorCase {
  const char* selector;
  absl::StatusCode code;
  const char* message_fragment;
};

inline void ExpectCompileErrors(const std::vector<ErrorCase>& cases) {
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(std::string("selector ") + c.selector);
    Value selector = Ejson(c.selector);
    absl::StatusOr<Selector> compiled = Selector::Compile(selector.view());
    ASSERT_FALSE(compiled.ok()) << "compiled but should not have";
    EXPECT_EQ(compiled.status().code(), c.code) << compiled.status();
    EXPECT_NE(std::string(compiled.status().message()).find(c.message_fragment), std::string::npos)
        << compiled.status() << " lacks \"" << c.message_fragment << "\"";
  }
}

}  // namespace minimongo::query::testing

#endif  // MINIMONGO_TESTS_QUERY_SELECTOR_CASE_TABLE_H_
