#include "bench/workload/workload.h"

#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "absl/status/status.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/status_matchers.h"

namespace minimongo::bench {
namespace {

using ::minimongo::testing::IsOk;
using ::minimongo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using Json = nlohmann::ordered_json;  // keeps key order

constexpr uint64_t kSeed = 1;
constexpr uint64_t kDocs = 10'000;
// [2015-01-01, 2025-01-01) in ms.
constexpr int64_t kBegin = 1'420'070'400'000;
constexpr int64_t kEnd = 1'735'689'600'000;

// The ~20 extensions of WORKLOAD.md with their weights (percent of documents).
const std::map<std::string, double>& ExtWeights() {
  static const auto* m = new std::map<std::string, double>{
      {"jpg", 14}, {"pdf", 12}, {"docx", 10}, {"png", 9}, {"xlsx", 7}, {"txt", 6}, {"mp4", 5},
      {"pptx", 4}, {"zip", 4},  {"csv", 4},   {"doc", 3}, {"xls", 3},  {"gif", 3}, {"mov", 3},
      {"mp3", 3},  {"heic", 2}, {"psd", 2},   {"svg", 2}, {"html", 2}, {"json", 2}};
  return *m;
}

Json Parse(const std::string& text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << text;
  return j;
}

std::vector<std::string> Keys(const Json& object) {
  std::vector<std::string> keys;
  for (auto it = object.begin(); it != object.end(); ++it) keys.push_back(it.key());
  return keys;
}

bool IsMeteorId(const Json& v) {
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  return s.size() == 17 && s.find_first_not_of(kIdAlphabet) == std::string::npos;
}

std::string Base36Serial(uint64_t i) {
  std::string s;
  do {
    s.insert(s.begin(), "0123456789abcdefghijklmnopqrstuvwxyz"[i % 36]);
    i /= 36;
  } while (i != 0);
  while (s.size() < 6) s.insert(s.begin(), '0');
  return s;
}

bool IsDate(const Json& v, int64_t lo, int64_t hi) {
  return v.is_object() && v.size() == 1 && v.contains("$date") &&
         v["$date"].is_number_integer() && v["$date"].get<int64_t>() >= lo &&
         v["$date"].get<int64_t>() < hi;
}

bool IsUint(const Json& v, uint64_t lo, uint64_t hi) {
  return v.is_number_unsigned() && v.get<uint64_t>() >= lo && v.get<uint64_t>() <= hi;
}

// A name of document `serial_of` with extension `ext`: one or two words, each followed by the
// same separator (space, underscore, dash or nothing), then the serial and ".ext".
void ExpectName(const Json& v, uint64_t serial_of, const std::string& ext) {
  ASSERT_TRUE(v.is_string());
  const std::string& name = v.get_ref<const std::string&>();
  std::string tail = Base36Serial(serial_of) + "." + ext;
  ASSERT_GT(name.size(), tail.size()) << name;
  EXPECT_EQ(name.substr(name.size() - tail.size()), tail) << name;
  std::string words = name.substr(0, name.size() - tail.size());
  EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(words[0]))) << name;
  EXPECT_EQ(words.find_first_not_of(
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-"),
            std::string::npos)
      << name;
}

void ExpectTags(const Json& v) {
  ASSERT_TRUE(v.is_array());
  EXPECT_LE(v.size(), 5u);
  std::set<std::string> distinct;
  for (const Json& t : v) {
    ASSERT_TRUE(t.is_string());
    distinct.insert(t.get<std::string>());
  }
  EXPECT_EQ(distinct.size(), v.size()) << v.dump();
}

void ExpectSharedWith(const Json& v) {
  ASSERT_TRUE(v.is_array());
  EXPECT_LE(v.size(), 4u);
  std::set<uint64_t> users;
  for (const Json& s : v) {
    ASSERT_TRUE(s.is_object());
    EXPECT_THAT(Keys(s), ElementsAre("user", "role"));
    EXPECT_TRUE(IsUint(s["user"], 1, 500)) << s.dump();
    EXPECT_TRUE(s["role"] == "viewer" || s["role"] == "editor" || s["role"] == "commenter")
        << s.dump();
    if (s["user"].is_number_unsigned()) users.insert(s["user"].get<uint64_t>());
  }
  EXPECT_EQ(users.size(), v.size()) << "users not distinct: " << v.dump();
}

void ExpectMeta(const Json& meta, const std::string& ext) {
  ASSERT_TRUE(meta.is_object());
  EXPECT_THAT(Keys(meta), ElementsAre("created", "modified", "version", "mime"));
  EXPECT_TRUE(IsDate(meta["created"], kBegin, kEnd)) << meta.dump();
  EXPECT_TRUE(IsDate(meta["modified"], kBegin, kEnd)) << meta.dump();
  EXPECT_GE(meta["modified"]["$date"].get<int64_t>(), meta["created"]["$date"].get<int64_t>());
  EXPECT_TRUE(IsUint(meta["version"], 1, 50)) << meta.dump();
  ASSERT_TRUE(meta["mime"].is_string());
  static const auto* kMime = new std::map<std::string, std::string>{
      {"jpg", "image/jpeg"}, {"pdf", "application/pdf"}, {"png", "image/png"},
      {"txt", "text/plain"}, {"mp4", "video/mp4"},       {"csv", "text/csv"}};
  if (auto it = kMime->find(ext); it != kMime->end()) {
    EXPECT_EQ(meta["mime"], it->second);
  }
  EXPECT_NE(meta["mime"].get<std::string>().find('/'), std::string::npos);
}

// Checks the keys, their order and the value ranges of document i (or of its DDP fields).
void ExpectDocumentFields(const Json& doc, uint64_t i, bool with_id) {
  std::vector<std::string> expected = {"instance", "owner", "parent", "name",    "ext", "size",
                                       "tags",     "shared_with", "meta", "deleted"};
  if (with_id) expected.insert(expected.begin(), "_id");
  if (doc.contains("starred")) expected.push_back("starred");
  ASSERT_THAT(Keys(doc), ElementsAreArray(expected)) << doc.dump();
  EXPECT_TRUE(IsUint(doc["instance"], 1, 8));
  EXPECT_TRUE(IsUint(doc["owner"], 1, 500));
  EXPECT_TRUE(IsUint(doc["parent"], 0, 999));
  ASSERT_TRUE(doc["ext"].is_string());
  std::string ext = doc["ext"].get<std::string>();
  EXPECT_EQ(ExtWeights().count(ext), 1u) << ext;
  ExpectName(doc["name"], i, ext);
  EXPECT_TRUE(IsUint(doc["size"], 100, 2'000'000'000)) << doc["size"];
  ExpectTags(doc["tags"]);
  ExpectSharedWith(doc["shared_with"]);
  ExpectMeta(doc["meta"], ext);
  EXPECT_TRUE(doc["deleted"].is_boolean());
  if (doc.contains("starred")) {
    EXPECT_TRUE(doc["starred"].is_boolean());
  }
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string TempDir(const std::string& name) {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string dir = fmt::format("{}/{}", base != nullptr ? base : "/tmp", name);
  std::string cmd = fmt::format("mkdir -p '{}'", dir);
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  return dir;
}

// ---- Determinism ----

TEST(WorkloadTest, SameSeedAndIndexGiveSameText) {
  for (uint64_t i : {0u, 1u, 7777u, 123456u}) {
    EXPECT_EQ(FilesDocumentJson(kSeed, i), FilesDocumentJson(kSeed, i));
    EXPECT_EQ(FilesDocumentId(kSeed, i), FilesDocumentId(kSeed, i));
    EXPECT_EQ(UpdateJson(kSeed, kDocs, i), UpdateJson(kSeed, kDocs, i));
    EXPECT_EQ(LiveUpdateJson(kSeed, kDocs, i), LiveUpdateJson(kSeed, kDocs, i));
  }
  DdpStreamGenerator a(kSeed, 1000), b(kSeed, 1000);
  for (int k = 0; k < 1000; ++k) ASSERT_EQ(a.Next(), b.Next()) << "message " << k;
}

TEST(WorkloadTest, DocumentDoesNotDependOnOrderOfGeneration) {
  std::string later = FilesDocumentJson(kSeed, 5000);
  for (uint64_t i = 0; i < 100; ++i) FilesDocumentJson(kSeed, i);
  EXPECT_EQ(FilesDocumentJson(kSeed, 5000), later);
}

TEST(WorkloadTest, DifferentSeedsGiveDifferentDocuments) {
  int same_docs = 0, same_ids = 0;
  for (uint64_t i = 0; i < 1000; ++i) {
    same_docs += FilesDocumentJson(1, i) == FilesDocumentJson(2, i);
    same_ids += FilesDocumentId(1, i) == FilesDocumentId(2, i);
  }
  EXPECT_EQ(same_docs, 0);
  EXPECT_EQ(same_ids, 0);
  EXPECT_NE(DdpStreamGenerator(1, 100).Next(), DdpStreamGenerator(2, 100).Next());
  EXPECT_NE(QueriesFileJson(1), QueriesFileJson(2));
}

TEST(WorkloadTest, DocumentTextStartsWithItsId) {
  for (uint64_t i : {0u, 42u, 999999u}) {
    std::string doc = FilesDocumentJson(kSeed, i);
    EXPECT_EQ(doc.rfind("{\"_id\":\"" + FilesDocumentId(kSeed, i) + "\",\"instance\":", 0), 0u)
        << doc;
    std::string appended = "x";
    AppendFilesDocumentJson(kSeed, i, &appended);
    EXPECT_EQ(appended, "x" + doc);
  }
}

TEST(WorkloadTest, IdsAreDistinct) {
  std::unordered_set<std::string> ids;
  for (uint64_t i = 0; i < 300'000; ++i) {
    std::string id = FilesDocumentId(kSeed, i);
    ASSERT_TRUE(IsMeteorId(Json(id))) << id;
    ASSERT_TRUE(ids.insert(id).second) << "duplicate id " << id << " at " << i;
  }
}

// ---- Documents ----

TEST(WorkloadTest, DocumentsAreValidJsonWithDocumentedKeysAndRanges) {
  for (uint64_t i = 0; i < kDocs; ++i) {
    std::string text = FilesDocumentJson(kSeed, i);
    ASSERT_EQ(text.find('\n'), std::string::npos);
    Json doc = Parse(text);
    ASSERT_TRUE(doc.is_object()) << text;
    ASSERT_EQ(doc["_id"], FilesDocumentId(kSeed, i));
    ExpectDocumentFields(doc, i, /*with_id=*/true);
    if (::testing::Test::HasFailure()) FAIL() << "document " << i << ": " << text;
  }
}

TEST(WorkloadTest, DistributionsOnTenThousandDocuments) {
  std::map<std::string, int> ext;
  int deleted = 0, starred_absent = 0, starred_true = 0, shared_empty = 0, parent0 = 0;
  int parent_low = 0, parent_high = 0, instance12 = 0, small = 0, invoice = 0, draft = 0;
  int urgent = 0, march2023 = 0, no_tags = 0, five_tags = 0;
  std::set<uint64_t> owners, parents;
  for (uint64_t i = 0; i < kDocs; ++i) {
    Json d = Parse(FilesDocumentJson(kSeed, i));
    ++ext[d["ext"].get<std::string>()];
    deleted += d["deleted"].get<bool>();
    if (!d.contains("starred")) {
      ++starred_absent;
    } else {
      starred_true += d["starred"].get<bool>();
    }
    shared_empty += d["shared_with"].empty();
    uint64_t parent = d["parent"].get<uint64_t>();
    parents.insert(parent);
    parent0 += parent == 0;
    parent_low += parent >= 1 && parent <= 10;
    parent_high += parent >= 990;
    owners.insert(d["owner"].get<uint64_t>());
    instance12 += d["instance"].get<uint64_t>() <= 2;
    small += d["size"].get<uint64_t>() < 100'000;
    std::string name = d["name"].get<std::string>();
    invoice += name.rfind("Invoice", 0) == 0;
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    draft += name.find("draft") != std::string::npos;
    for (const Json& t : d["tags"]) urgent += t == "urgent";
    no_tags += d["tags"].empty();
    five_tags += d["tags"].size() == 5;
    int64_t modified = d["meta"]["modified"]["$date"].get<int64_t>();
    march2023 += modified >= 1677628800000 && modified < 1680307200000;
  }
  const double n = kDocs;
  double total_weight = 0;
  for (const auto& [e, w] : ExtWeights()) total_weight += w;
  EXPECT_NEAR(ext["jpg"] / n, 14 / total_weight, 0.015);
  EXPECT_NEAR(ext["pdf"] / n, 12 / total_weight, 0.015);
  EXPECT_NEAR(ext["docx"] / n, 10 / total_weight, 0.015);
  EXPECT_NEAR(ext["png"] / n, 9 / total_weight, 0.015);
  EXPECT_NEAR(ext["xlsx"] / n, 7 / total_weight, 0.012);
  EXPECT_GE(ext.size(), 18u);
  EXPECT_LE(ext.size(), 22u);
  EXPECT_NEAR(deleted / n, 0.05, 0.01);
  EXPECT_NEAR(starred_absent / n, 0.30, 0.025);
  EXPECT_NEAR(starred_true / (n - starred_absent), 0.20, 0.02);
  EXPECT_NEAR(shared_empty / n, 0.50, 0.03);
  EXPECT_NEAR(parent0 / n, 0.01, 0.004);
  // Share ~ k^(-1/3): folders 1..10 hold sum k^(-1/3) = 6.2 times the share of 990..999.
  EXPECT_GT(parent_low, 4 * parent_high);
  EXPECT_LT(parent_low, 9 * parent_high);
  EXPECT_GT(parents.size(), 900u);
  EXPECT_GT(owners.size(), 490u);
  EXPECT_GT(instance12 / n, 0.7);
  // Log-uniform on [100, 2e9]: P(size < 1e5) = log(1e3) / log(2e7) = 0.411.
  EXPECT_NEAR(small / n, 0.411, 0.03);
  // One of 30 words starts the name; one or two words per name.
  EXPECT_GT(invoice / n, 0.015);
  EXPECT_LT(invoice / n, 0.06);
  EXPECT_GT(draft / n, 0.02);
  EXPECT_GT(urgent / n, 0.02);
  EXPECT_LT(urgent / n, 0.10);
  EXPECT_GT(no_tags, 0);
  EXPECT_GT(five_tags, 0);
  EXPECT_GT(march2023 / n, 0.003);  // range_modified selects something
}

TEST(WorkloadTest, SizeCoversTheWholeRange) {
  uint64_t lo = UINT64_MAX, hi = 0;
  for (uint64_t i = 0; i < kDocs; ++i) {
    Json d = Parse(FilesDocumentJson(kSeed, i));
    lo = std::min(lo, d["size"].get<uint64_t>());
    hi = std::max(hi, d["size"].get<uint64_t>());
  }
  EXPECT_LT(lo, 1000u);
  EXPECT_GT(hi, 200'000'000u);
}

// ---- Updates ----

std::unordered_map<std::string, uint64_t> IdIndex(uint64_t count) {
  std::unordered_map<std::string, uint64_t> index;
  for (uint64_t i = 0; i < count; ++i) index[FilesDocumentId(kSeed, i)] = i;
  return index;
}

// Parses `{"id":..,"modifier":{"$set":{path:v}}}`, checks the target exists; returns the
// path and the target's index through the out parameters.
void ParseSet(const std::string& text, const std::unordered_map<std::string, uint64_t>& ids,
              std::string* path, uint64_t* target, Json* value) {
  Json u = Parse(text);
  ASSERT_TRUE(u.is_object()) << text;
  ASSERT_THAT(Keys(u), ElementsAre("id", "modifier")) << text;
  ASSERT_TRUE(u["id"].is_string()) << text;
  auto it = ids.find(u["id"].get<std::string>());
  ASSERT_NE(it, ids.end()) << "not an existing document: " << text;
  *target = it->second;
  ASSERT_THAT(Keys(u["modifier"]), ElementsAre("$set")) << text;
  ASSERT_EQ(u["modifier"]["$set"].size(), 1u) << text;
  *path = u["modifier"]["$set"].begin().key();
  *value = u["modifier"]["$set"].begin().value();
}

// The ext field of document i (memoized: parsing a document per lookup is slow).
const std::string& ExtOfDocument(uint64_t i) {
  static auto* cache = new std::unordered_map<uint64_t, std::string>;
  auto [it, inserted] = cache->try_emplace(i);
  if (inserted) it->second = Parse(FilesDocumentJson(kSeed, i))["ext"].get<std::string>();
  return it->second;
}

TEST(WorkloadTest, UpdatesTargetExistingDocumentsWithDocumentedMix) {
  auto ids = IdIndex(kDocs);
  std::map<std::string, int> paths;
  std::set<uint64_t> targets;
  for (uint64_t j = 0; j < kUpdateCount; ++j) {
    std::string text = UpdateJson(kSeed, kDocs, j);
    std::string path;
    uint64_t target = 0;
    Json v;
    ParseSet(text, ids, &path, &target, &v);
    if (::testing::Test::HasFatalFailure()) return;
    ++paths[path];
    targets.insert(target);
    if (path == "size") {
      EXPECT_TRUE(IsUint(v, 100, 2'000'000'000)) << text;
    } else if (path == "starred") {
      EXPECT_TRUE(v.is_boolean()) << text;
    } else if (path == "meta.version") {
      EXPECT_TRUE(IsUint(v, 1, 50)) << text;
    } else if (path == "name") {
      if (j < 2000) ExpectName(v, target, ExtOfDocument(target));  // renames keep serial, ext
    } else {
      ADD_FAILURE() << "unexpected path: " << text;
    }
  }
  const double n = kUpdateCount;
  EXPECT_EQ(paths.size(), 4u);
  EXPECT_NEAR(paths["size"] / n, 0.40, 0.01);
  EXPECT_NEAR(paths["starred"] / n, 0.20, 0.01);
  EXPECT_NEAR(paths["name"] / n, 0.20, 0.01);
  EXPECT_NEAR(paths["meta.version"] / n, 0.20, 0.01);
  EXPECT_GT(targets.size(), 9900u);  // spread over the collection
}

TEST(WorkloadTest, LiveUpdatesTargetExistingDocumentsWithDocumentedMix) {
  auto ids = IdIndex(kDocs);
  std::map<std::string, int> paths;
  std::set<uint64_t> parents;
  for (uint64_t j = 0; j < kLiveUpdateCount; ++j) {
    std::string text = LiveUpdateJson(kSeed, kDocs, j);
    std::string path;
    uint64_t target = 0;
    Json v;
    ParseSet(text, ids, &path, &target, &v);
    if (::testing::Test::HasFatalFailure()) return;
    ++paths[path];
    if (path == "size") {
      EXPECT_TRUE(IsUint(v, 100, 2'000'000'000)) << text;
    } else if (path == "parent") {
      EXPECT_TRUE(IsUint(v, 0, 999)) << text;
      parents.insert(v.get<uint64_t>());
    } else if (path == "name") {
      if (j < 2000) ExpectName(v, target, ExtOfDocument(target));
    } else {
      ADD_FAILURE() << "unexpected path: " << text;
    }
  }
  const double n = kLiveUpdateCount;
  EXPECT_EQ(paths.size(), 3u);
  EXPECT_NEAR(paths["size"] / n, 0.70, 0.01);
  EXPECT_NEAR(paths["parent"] / n, 0.15, 0.01);
  EXPECT_NEAR(paths["name"] / n, 0.15, 0.01);
  EXPECT_GT(parents.size(), 950u);
}

TEST(WorkloadTest, UpdatesOfASmallerCollectionStayInside) {
  auto ids = IdIndex(3);
  for (uint64_t j = 0; j < 1000; ++j) {
    std::string path;
    uint64_t target = 0;
    Json v;
    ParseSet(UpdateJson(kSeed, 3, j), ids, &path, &target, &v);
    ParseSet(LiveUpdateJson(kSeed, 3, j), ids, &path, &target, &v);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// ---- DDP ----

// Replays `count` messages of the stream for a collection of `size`, checking each against
// the live set; counts messages per kind into *kinds and those with cleared into *cleared.
void CheckDdpStream(uint64_t size, uint64_t count, std::map<std::string, int>* kinds,
                    int* cleared) {
  // Added documents are documents size, size + 1, ...: index every id that can appear.
  auto index = IdIndex(size + count);
  std::unordered_set<std::string> live, ever;
  for (uint64_t i = 0; i < size; ++i) {
    live.insert(FilesDocumentId(kSeed, i));
    ever.insert(FilesDocumentId(kSeed, i));
  }
  const std::vector<std::string> field_order = {"parent", "name", "size", "tags", "shared_with",
                                                "meta",   "deleted", "starred"};
  DdpStreamGenerator ddp(kSeed, size);
  for (uint64_t k = 0; k < count; ++k) {
    std::string text = ddp.Next();
    Json m = Parse(text);
    if (!m.is_object() || !m["msg"].is_string() || !IsMeteorId(m["id"])) {
      ADD_FAILURE() << "message " << k << ": " << text;
      return;
    }
    std::string msg = m["msg"].get<std::string>();
    std::string id = m["id"].get<std::string>();
    ++(*kinds)[msg];
    EXPECT_EQ(m["collection"], "files") << text;
    if (msg == "changed") {
      EXPECT_EQ(live.count(id), 1u) << "changed a document not live, message " << k << ": "
                                    << text;
      std::vector<std::string> keys = Keys(m);
      bool has_cleared = m.contains("cleared");
      std::vector<std::string> expected = {"msg", "collection", "id", "fields"};
      if (has_cleared) expected.push_back("cleared");
      EXPECT_EQ(keys, expected) << text;
      if (has_cleared) {
        ++*cleared;
        EXPECT_EQ(m["cleared"], Json::parse(R"(["starred"])")) << text;
        EXPECT_FALSE(m["fields"].contains("starred")) << text;
      }
      const Json& fields = m["fields"];
      EXPECT_GE(fields.size(), 1u) << text;
      EXPECT_LE(fields.size(), 3u) << text;
      size_t last = 0;
      uint64_t doc = index.at(id);
      for (auto it = fields.begin(); it != fields.end(); ++it) {
        auto at = std::find(field_order.begin(), field_order.end(), it.key());
        ASSERT_NE(at, field_order.end()) << text;
        size_t pos = static_cast<size_t>(at - field_order.begin()) + 1;
        EXPECT_GT(pos, last) << "fields out of document order: " << text;
        last = pos;
      }
      const std::string& ext = ExtOfDocument(doc);
      if (fields.contains("parent")) {
        EXPECT_TRUE(IsUint(fields["parent"], 0, 999)) << text;
      }
      if (fields.contains("name")) ExpectName(fields["name"], doc, ext);
      if (fields.contains("size")) {
        EXPECT_TRUE(IsUint(fields["size"], 100, 2'000'000'000)) << text;
      }
      if (fields.contains("tags")) ExpectTags(fields["tags"]);
      if (fields.contains("shared_with")) ExpectSharedWith(fields["shared_with"]);
      if (fields.contains("meta")) ExpectMeta(fields["meta"], ext);
      if (fields.contains("deleted")) {
        EXPECT_TRUE(fields["deleted"].is_boolean()) << text;
      }
      if (fields.contains("starred")) {
        EXPECT_TRUE(fields["starred"].is_boolean()) << text;
      }
    } else if (msg == "added") {
      EXPECT_THAT(Keys(m), ElementsAre("msg", "collection", "id", "fields")) << text;
      EXPECT_TRUE(ever.insert(id).second) << "added id is not new, message " << k << ": "
                                          << text;
      live.insert(id);
      ASSERT_TRUE(m["fields"].is_object()) << text;
      ExpectDocumentFields(m["fields"], index.at(id), /*with_id=*/false);
    } else if (msg == "removed") {
      EXPECT_THAT(Keys(m), ElementsAre("msg", "collection", "id")) << text;
      EXPECT_EQ(live.erase(id), 1u) << "removed a document not live, message " << k << ": "
                                    << text;
    } else {
      ADD_FAILURE() << "unexpected message: " << text;
    }
    if (::testing::Test::HasFailure()) return;
  }
  EXPECT_EQ(ddp.messages(), count);
  EXPECT_EQ(ddp.live_count(), live.size());
}

TEST(WorkloadTest, DdpStreamIsConsistentWithTheLiveSet) {
  int cleared = 0;
  std::map<std::string, int> kinds;
  CheckDdpStream(kDocs, kDdpMessageCount, &kinds, &cleared);
  const double n = kDdpMessageCount;
  EXPECT_NEAR(kinds["changed"] / n, 0.60, 0.01);
  EXPECT_NEAR(kinds["added"] / n, 0.20, 0.01);
  EXPECT_NEAR(kinds["removed"] / n, 0.20, 0.01);
  EXPECT_NEAR(cleared / static_cast<double>(kinds["changed"]), 0.05, 0.005);
}

TEST(WorkloadTest, DdpStreamOnATinyCollectionAddsWhenNothingIsLive) {
  int cleared = 0;
  std::map<std::string, int> kinds;
  CheckDdpStream(0, 5000, &kinds, &cleared);
  EXPECT_GT(kinds["added"], 0);
  EXPECT_GT(kinds["removed"], 0);
  EXPECT_GT(kinds["changed"], 0);
  EXPECT_EQ(DdpStreamGenerator(kSeed, 0).Next().rfind("{\"msg\":\"added\"", 0), 0u);
}

TEST(WorkloadTest, DdpStreamWithExactWireText) {
  DdpStreamGenerator ddp(kSeed, 0);
  // Nothing is live: the first message must be the added document 0, its fields in order.
  std::string doc = FilesDocumentJson(kSeed, 0);
  std::string fields = "{" + doc.substr(doc.find(",\"instance\"") + 1);
  EXPECT_EQ(ddp.Next(), "{\"msg\":\"added\",\"collection\":\"files\",\"id\":\"" +
                            FilesDocumentId(kSeed, 0) + "\",\"fields\":" + fields + "}");
}

// ---- Observers and queries ----

TEST(WorkloadTest, ObserversFollowTheDocumentedScheme) {
  EXPECT_EQ(ObserverJson(0), R"({"selector":{"parent":0},"sort":{"name":1},"limit":50})");
  EXPECT_EQ(ObserverJson(1), R"({"selector":{"parent":1}})");
  EXPECT_EQ(ObserverJson(999), R"({"selector":{"parent":999}})");
  EXPECT_EQ(ObserverJson(1010),
            R"({"selector":{"parent":10,"deleted":false},"sort":{"meta.modified":-1},"limit":20})");
  EXPECT_EQ(ObserverJson(1020),
            R"({"selector":{"parent":20,"deleted":false},"sort":{"name":1},"limit":50})");
  EXPECT_EQ(ObserverJson(2005), R"({"selector":{"parent":5,"starred":true}})");
  EXPECT_EQ(ObserverJson(3001), R"({"selector":{"parent":1,"ext":"pdf"}})");
  EXPECT_EQ(ObserverJson(4001), R"({"selector":{"parent":1,"ext":"jpg"}})");
  EXPECT_EQ(ObserverJson(5001), R"({"selector":{"parent":1,"ext":"docx"}})");
  EXPECT_EQ(ObserverJson(6001), R"({"selector":{"parent":1,"ext":"png"}})");
  EXPECT_EQ(ObserverJson(7001), R"({"selector":{"parent":1,"ext":"xlsx"}})");
  EXPECT_EQ(ObserverJson(8001), R"({"selector":{"parent":1,"ext":"txt"}})");
  EXPECT_EQ(ObserverJson(9999), R"({"selector":{"parent":999,"ext":"mp4"}})");

  Json all = Parse(ObserversFileJson());
  ASSERT_TRUE(all.is_array());
  ASSERT_EQ(all.size(), kObserverCount);
  int by_name = 0, by_modified = 0;
  for (uint64_t i = 0; i < kObserverCount; ++i) {
    const Json& o = all[i];
    ASSERT_EQ(o, Json::parse(ObserverJson(i)));
    EXPECT_EQ(o["selector"]["parent"], i % 1000);
    if (o.contains("sort")) {
      EXPECT_EQ(i % 10, 0u);
      EXPECT_THAT(Keys(o), ElementsAre("selector", "sort", "limit"));
      by_name += o["sort"].contains("name");
      by_modified += o["sort"].contains("meta.modified");
    } else {
      EXPECT_NE(i % 10, 0u);
      EXPECT_THAT(Keys(o), ElementsAre("selector"));
    }
  }
  EXPECT_EQ(by_name, 500);
  EXPECT_EQ(by_modified, 500);
}

TEST(WorkloadTest, QueriesPlaceholderIsReplacedByDocument7777) {
  std::string text = QueriesFileJson(kSeed);
  EXPECT_EQ(text.find("<_id"), std::string::npos);
  EXPECT_EQ(text.find("7777>"), std::string::npos);
  Json q = Parse(text);
  ASSERT_TRUE(q.is_object());
  EXPECT_EQ(q["version"], 1);
  EXPECT_EQ(q["collection"], "files");
  std::vector<std::string> names;
  for (const Json& query : q["queries"]) names.push_back(query["name"].get<std::string>());
  EXPECT_THAT(names,
              ElementsAre("id_point", "eq_parent", "and_owner_ext", "range_size",
                          "range_modified", "in_owner10", "regex_prefix", "regex_ci_sub",
                          "tags_eq", "elemmatch_shared", "or_two", "exists_false",
                          "sort_modified_top50", "sort_name_page", "projection"));
  EXPECT_EQ(q["queries"][0]["selector"], Json({{"_id", FilesDocumentId(kSeed, 7777)}}));
  EXPECT_EQ(q["queries"][1]["selector"], Json({{"parent", 42}}));
  EXPECT_EQ(q["queries"][13]["skip"], 100);
  EXPECT_EQ(Parse(QueriesFileJson(2))["queries"][0]["selector"]["_id"], FilesDocumentId(2, 7777));
  // Pretty-printed like the original, ending in a newline.
  EXPECT_EQ(text.rfind("{\n  \"version\": 1,\n", 0), 0u);
  EXPECT_EQ(text.back(), '\n');
}

TEST(WorkloadTest, QueriesAreTheSharedFileWithThePlaceholderReplaced) {
  // The reference copy lives outside the workspace; skip where it is not readable.
  std::string shared = ReadFile("/work/shared/workload/queries.json");
  if (shared.empty()) GTEST_SKIP() << "no /work/shared/workload/queries.json";
  const std::string placeholder = "<_id of document 7777>";
  size_t at = shared.find(placeholder);
  ASSERT_NE(at, std::string::npos);
  shared.replace(at, placeholder.size(), FilesDocumentId(kSeed, 7777));
  EXPECT_EQ(QueriesFileJson(kSeed), shared);
}

// ---- Files ----

TEST(WorkloadTest, SmallerFilesArePrefixesOfLargerOnes) {
  std::string dir = TempDir("prefix");
  ASSERT_THAT(WriteWorkload(kSeed, 100, dir), IsOk());
  ASSERT_THAT(WriteWorkload(kSeed, 1000, dir), IsOk());
  std::string small = ReadFile(dir + "/files-100.jsonl");
  std::string large = ReadFile(dir + "/files-1000.jsonl");
  ASSERT_FALSE(small.empty());
  EXPECT_EQ(large.substr(0, small.size()), small);
  std::vector<std::string> lines = ReadLines(dir + "/files-1000.jsonl");
  ASSERT_EQ(lines.size(), 1000u);
  for (uint64_t i = 0; i < lines.size(); ++i) EXPECT_EQ(lines[i], FilesDocumentJson(kSeed, i));
}

TEST(WorkloadTest, WriteWorkloadWritesAllSixFiles) {
  std::string dir = TempDir("all");
  ASSERT_THAT(WriteWorkload(kSeed, 50, dir), IsOk());
  EXPECT_EQ(ReadLines(dir + "/files-50.jsonl").size(), 50u);
  std::vector<std::string> updates = ReadLines(dir + "/updates-50.jsonl");
  ASSERT_EQ(updates.size(), kUpdateCount);
  EXPECT_EQ(updates[12345], UpdateJson(kSeed, 50, 12345));
  std::vector<std::string> live = ReadLines(dir + "/live-updates-50.jsonl");
  ASSERT_EQ(live.size(), kLiveUpdateCount);
  EXPECT_EQ(live.back(), LiveUpdateJson(kSeed, 50, kLiveUpdateCount - 1));
  std::vector<std::string> ddp = ReadLines(dir + "/ddp-50.jsonl");
  ASSERT_EQ(ddp.size(), kDdpMessageCount);
  DdpStreamGenerator gen(kSeed, 50);
  for (int k = 0; k < 100; ++k) EXPECT_EQ(ddp[k], gen.Next());
  EXPECT_EQ(ReadFile(dir + "/observers.json"), ObserversFileJson());
  EXPECT_EQ(ReadFile(dir + "/queries.json"), QueriesFileJson(kSeed));
}

TEST(WorkloadTest, WriteWorkloadRejectsBadArguments) {
  EXPECT_THAT(WriteWorkload(kSeed, 0, TempDir("zero")),
              StatusIs(absl::StatusCode::kInvalidArgument, "at least 1"));
  std::string missing = TempDir("base") + "/no/such/dir";
  EXPECT_THAT(WriteWorkload(kSeed, 10, missing),
              StatusIs(absl::StatusCode::kNotFound, missing + "/files-10.jsonl"));
}

// ---- CLI ----

int RunGenerate(const std::string& args) {
  std::string cmd = "bench/workload/generate " + args + " >/dev/null 2>&1";
  int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(WorkloadTest, GenerateCommandLine) {
  std::string dir = TempDir("cli") + "/out";
  EXPECT_EQ(RunGenerate("--help"), 0);
  EXPECT_EQ(RunGenerate(""), 2);
  EXPECT_EQ(RunGenerate("--size 10"), 2);                          // no --out
  EXPECT_EQ(RunGenerate("--out " + dir), 2);                       // no --size
  EXPECT_EQ(RunGenerate("--size 0 --out " + dir), 2);
  EXPECT_EQ(RunGenerate("--size ten --out " + dir), 2);
  EXPECT_EQ(RunGenerate("--size 10 --seed -1 --out " + dir), 2);
  EXPECT_EQ(RunGenerate("--size 10 --out " + dir + " --bogus"), 2);
  EXPECT_EQ(RunGenerate("--size 10 --out"), 2);
  ASSERT_EQ(RunGenerate("--seed 3 --size=20 --out " + dir), 0);
  std::vector<std::string> docs = ReadLines(dir + "/files-20.jsonl");
  ASSERT_EQ(docs.size(), 20u);
  EXPECT_EQ(docs[19], FilesDocumentJson(3, 19));
  EXPECT_EQ(ReadFile(dir + "/queries.json"), QueriesFileJson(3));
}

}  // namespace
}  // namespace minimongo::bench
