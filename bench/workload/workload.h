// The benchmark workload: a file manager's `files` collection and the streams applied to it.
//
// The specification is /work/shared/workload/WORKLOAD.md; bench/workload/README.md documents
// every distribution, its exact parameters and the seed scheme. Everything here is
// deterministic and portable:
//   - Document i depends only on (seed, i): the 10,000-document file is a byte-identical prefix
//     of the 100,000- and 1,000,000-document files.
//   - Randomness comes from SplitMix64 seeded by hashing (seed, stream, index); no std::
//     distributions and no libm transcendental functions (only IEEE-exact + - * / sqrt), so the
//     text is the same with every compiler and standard library.
//   - `_id`s are distinct for distinct indices under one seed (a bijection of the index is part
//     of every id), so documents added by the DDP stream never collide with existing ones.
// Every line is compact Meteor EJSON (dates as {"$date": ms}), without a trailing newline;
// the Write* functions add the newlines.
//
// Streams against a collection of `size` documents (indices 0..size-1):
//   updates       kUpdateCount `{"id":..,"modifier":{"$set":{path:v}}}` on existing documents
//   ddp           kDdpMessageCount DDP 1 server messages (added/changed/removed) consistent with
//                 the live id set; added documents are documents size, size+1, ... of the seed
//   live-updates  kLiveUpdateCount `$set` updates of size, parent or name
// They depend on (seed, size); the document file does not depend on size.
//
// Thread safety: the free functions are pure and thread-safe. A DdpStreamGenerator is a
// stateful object: one thread at a time.
//
// Example:
//   std::string doc = FilesDocumentJson(/*seed=*/1, /*i=*/0);   // {"_id":"...","instance":1,...}
//   DdpStreamGenerator ddp(/*seed=*/1, /*collection_size=*/10000);
//   std::string line;
//   for (uint64_t k = 0; k < kDdpMessageCount; ++k) {
//     line.clear();
//     ddp.AppendNext(&line);
//     ...
//   }
//   absl::Status s = WriteWorkload(1, 10000, "/tmp/wl");  // all six files

#ifndef MINIMONGO_BENCH_WORKLOAD_WORKLOAD_H_
#define MINIMONGO_BENCH_WORKLOAD_WORKLOAD_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace minimongo::bench {

// Seed of the published figures (the CLI's default).
inline constexpr uint64_t kDefaultSeed = 1;

// Line counts of the stream files; they do not depend on the collection size.
inline constexpr uint64_t kUpdateCount = 100'000;
inline constexpr uint64_t kDdpMessageCount = 200'000;
inline constexpr uint64_t kLiveUpdateCount = 100'000;
inline constexpr uint64_t kObserverCount = 10'000;

// Folders are 0..kFolderCount-1 (the `parent` field).
inline constexpr uint64_t kFolderCount = 1'000;

// The document whose _id replaces the placeholder of queries.json's `id_point` (present at
// every published size).
inline constexpr uint64_t kIdPointDocument = 7'777;

// Length of a Meteor-style _id.
inline constexpr size_t kIdLength = 17;

// The alphabet of Meteor's Random.id(): digits and letters without 0, 1, I, O, U, V, l.
inline constexpr std::string_view kIdAlphabet =
    "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";

// ---- Documents ----

// Returns document i of the collection as one line of EJSON, keys in this order: _id,
// instance, owner, parent, name, ext, size, tags, shared_with, meta {created, modified,
// version, mime}, deleted, starred (starred absent in ~30% of documents).
// Complexity: O(1), about a microsecond.
std::string FilesDocumentJson(uint64_t seed, uint64_t i);

// Appends FilesDocumentJson(seed, i) to *out (no newline). REQUIRES: out != nullptr.
void AppendFilesDocumentJson(uint64_t seed, uint64_t i, std::string* out);

// Returns the _id of document i: kIdLength characters of kIdAlphabet. Distinct indices give
// distinct ids under one seed.
std::string FilesDocumentId(uint64_t seed, uint64_t i);

// ---- Update streams ----

// Returns update j (0 <= j < kUpdateCount by convention; any j works) of updates-<size>.jsonl:
// `{"id":"<_id>","modifier":{"$set":{"<path>":<value>}}}` where the target is a document of
// 0..collection_size-1 and path is size (40%), starred (20%), name (20%) or meta.version (20%).
// A renamed file keeps its serial and extension. REQUIRES: collection_size > 0.
std::string UpdateJson(uint64_t seed, uint64_t collection_size, uint64_t j);
void AppendUpdateJson(uint64_t seed, uint64_t collection_size, uint64_t j, std::string* out);

// Returns update j of live-updates-<size>.jsonl, same shape as UpdateJson with path size
// (70%), parent (15%) or name (15%). REQUIRES: collection_size > 0.
std::string LiveUpdateJson(uint64_t seed, uint64_t collection_size, uint64_t j);
void AppendLiveUpdateJson(uint64_t seed, uint64_t collection_size, uint64_t j,
                          std::string* out);

// The DDP stream of ddp-<size>.jsonl, message by message. It starts with documents
// 0..collection_size-1 live and keeps the live set as it goes:
//   ~60% {"msg":"changed","collection":"files","id":..,"fields":{..}} on a live document,
//        1-3 of name/size/tags/starred/meta/parent/shared_with/deleted (fields in document key
//        order); 5% of them have no starred in fields and end with ,"cleared":["starred"]
//   ~20% {"msg":"added","collection":"files","id":..,"fields":{..}} with document
//        collection_size + k of the seed (its fields without _id, in document key order)
//   ~20% {"msg":"removed","collection":"files","id":..} of a live document
// A changed or removed drawn while no document is live becomes an added.
// Memory: 8 bytes per live document.
class DdpStreamGenerator {
 public:
  // Starts a stream on a collection of documents 0..collection_size-1 (0 is allowed: the
  // stream then starts with additions).
  DdpStreamGenerator(uint64_t seed, uint64_t collection_size);

  DdpStreamGenerator(const DdpStreamGenerator&) = delete;
  DdpStreamGenerator& operator=(const DdpStreamGenerator&) = delete;

  // Appends the next message (no newline) to *out. REQUIRES: out != nullptr.
  void AppendNext(std::string* out);

  // Returns the next message.
  std::string Next();

  // Messages produced so far.
  uint64_t messages() const { return messages_; }

  // Documents live after the messages produced so far.
  uint64_t live_count() const { return live_.size(); }

 private:
  uint64_t seed_;
  uint64_t collection_size_;
  uint64_t next_added_;           // document index of the next added document
  uint64_t messages_ = 0;
  std::vector<uint64_t> live_;    // document indices, unordered
};

// ---- Observers and queries ----

// Returns live query i (0 <= i < kObserverCount) as {"selector":{..}} or, for every 10th one
// (i % 10 == 0), {"selector":{..},"sort":{..},"limit":n}. The selector watches folder
// i % 1000 with variant i / 1000: 0 {parent}, 1 {parent, deleted: false},
// 2 {parent, starred: true}, 3-9 {parent, ext: X} for X in pdf, jpg, docx, png, xlsx, txt, mp4.
// Sorted pages alternate {"name":1} limit 50 (i % 20 == 0) and {"meta.modified":-1} limit 20.
std::string ObserverJson(uint64_t i);

// Returns the content of observers.json: a JSON array of the kObserverCount observers, one
// per line.
std::string ObserversFileJson();

// Returns the content of queries.json: /work/shared/workload/queries.json byte for byte,
// except that id_point's placeholder is the _id of document kIdPointDocument of the seed.
std::string QueriesFileJson(uint64_t seed);

// ---- Files ----

// Writes files-<size>.jsonl, updates-<size>.jsonl, ddp-<size>.jsonl, live-updates-<size>.jsonl,
// observers.json and queries.json into directory `dir` (which must exist), one record per
// line, each line ending in '\n'.
// Errors: InvalidArgument if collection_size is 0; a file that cannot be opened or written
// gives absl::ErrnoToStatus's code for the system error (NotFound for a missing directory,
// PermissionDenied, ...) with a message naming the file. Files already written stay.
absl::Status WriteWorkload(uint64_t seed, uint64_t collection_size, const std::string& dir);

}  // namespace minimongo::bench

#endif  // MINIMONGO_BENCH_WORKLOAD_WORKLOAD_H_
