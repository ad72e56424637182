// `minimongo batch`: the JSONL conformance contract of ../shared/conformance/BATCH.md.
//
// Each input line is a case: {"op": "find"|"count"|"update"|"remove", "docs": [...],
// "selector", "sort", "fields", "skip", "limit", "modifier", "options"}. The documents are
// inserted into a fresh collection, the operation runs, and one JSON line is written per case:
// {"docs": [...]}, {"n": N}, {"n": N, "docs": [whole collection sorted by _id]} or
// {"error": "<message>"}. One bad case never stops the batch.
//
// Thread safety: RunBatchCase is a pure function of its input.

#ifndef MINIMONGO_MINIMONGO_BATCH_H_
#define MINIMONGO_MINIMONGO_BATCH_H_

#include <istream>
#include <ostream>
#include <string>
#include <string_view>

namespace minimongo {

// The output line (without newline) for one case line.
std::string RunBatchCase(std::string_view line);

// Runs every non-blank line of `in`, writing and flushing one output line per case.
void RunBatch(std::istream& in, std::ostream& out);

}  // namespace minimongo

#endif  // MINIMONGO_MINIMONGO_BATCH_H_
