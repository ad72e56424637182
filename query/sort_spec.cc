#include "query/sort_spec.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "fmt/format.h"
#include "query/internal/sort_key_walker.h"
#include "query/internal/status_macros.h"

namespace minimongo::query {
namespace {

using internal::SortCandidate;

// Direction of a numeric value: +1, -1, or 0 when it is neither.
int NumericDirection(ValueView v) {
  if (!v.IsNumber()) return 0;
  double d = v.NumberAsDouble();
  if (d == 1.0) return 1;
  if (d == -1.0) return -1;
  return 0;
}

int Sign(int c) { return (c > 0) - (c < 0); }

}  // namespace

absl::Status SortSpec::AddPath(std::string path, bool descending) {
  ASSIGN_OR_RETURN(std::vector<std::string> steps,
                   internal::ParseSortPath(path, fmt::format("sort at \"{}\"", path)));
  paths_.push_back(std::move(path));
  compiled_.push_back(CompiledPath{std::move(steps), descending});
  return absl::OkStatus();
}

absl::StatusOr<SortSpec> SortSpec::Compile(ValueView spec) {
  SortSpec result;
  if (spec.IsNull()) return result;
  if (spec.IsObject()) {
    for (const Field& f : spec.fields()) {
      std::string key(f.key);
      if (f.value.IsObject()) {
        if (f.value.Find("$meta").has_value()) {
          return absl::InvalidArgumentError(
              fmt::format("sort at \"{}\": $meta sorts are not supported", key));
        }
        return absl::InvalidArgumentError(
            fmt::format("sort at \"{}\": direction must be 1 or -1, got an object", key));
      }
      int direction = NumericDirection(f.value);
      if (direction == 0) {
        return absl::InvalidArgumentError(
            fmt::format("sort at \"{}\": direction must be 1 or -1", key));
      }
      RETURN_IF_ERROR(result.AddPath(std::move(key), direction < 0));
    }
    return result;
  }
  if (spec.IsArray()) {
    size_t index = 0;
    for (ValueView element : spec.elements()) {
      if (element.IsString()) {
        RETURN_IF_ERROR(result.AddPath(std::string(element.AsString()), false));
      } else if (element.IsArray() && (element.size() == 1 || element.size() == 2)) {
        ValueView name = *element.At(0);
        if (!name.IsString()) {
          return absl::InvalidArgumentError(
              fmt::format("sort at index {}: field name must be a string, got {}", index,
                          TypeName(name.type())));
        }
        std::string key(name.AsString());
        bool descending = false;
        if (element.size() == 2) {
          ValueView dir = *element.At(1);
          int numeric = NumericDirection(dir);
          if (dir.IsString() && dir.AsString() == "asc") {
            descending = false;
          } else if (dir.IsString() && dir.AsString() == "desc") {
            descending = true;
          } else if (numeric != 0) {
            descending = numeric < 0;
          } else {
            return absl::InvalidArgumentError(
                fmt::format("sort at \"{}\": direction must be \"asc\", \"desc\", 1 or -1", key));
          }
        }
        RETURN_IF_ERROR(result.AddPath(std::move(key), descending));
      } else {
        return absl::InvalidArgumentError(fmt::format(
            "sort at index {}: expected a field name or a [name, direction] pair, got {}", index,
            TypeName(element.type())));
      }
      ++index;
    }
    return result;
  }
  return absl::InvalidArgumentError(fmt::format(
      "sort: specification must be an object or an array, got {}", TypeName(spec.type())));
}

absl::Status SortSpec::ExtractCandidates(ValueView doc,
                                         std::vector<SortCandidate>* out) const {
  if (compiled_.size() == 1) {
    out->assign(1, internal::ExtractSortCandidate(doc, compiled_[0].steps,
                                                  compiled_[0].descending));
    return absl::OkStatus();
  }
  std::vector<internal::SortPathRef> refs;
  refs.reserve(compiled_.size());
  for (const CompiledPath& path : compiled_) refs.push_back({&path.steps, path.descending});
  return internal::ExtractCompoundSortCandidates(doc, refs, out);
}

SortKey SortSpec::KeyFromCandidates(const std::vector<SortCandidate>& candidates) {
  SortKey key;
  key.parts_.reserve(candidates.size());
  for (const SortCandidate& c : candidates) {
    key.parts_.push_back(SortKey::Part{c.value.ToValue(), c.empty_array});
  }
  return key;
}

SortKey SortSpec::ExtractKey(ValueView doc) const {
  std::vector<SortCandidate> candidates;
  ExtractCandidates(doc, &candidates).IgnoreError();  // parallel arrays: independent keys
  return KeyFromCandidates(candidates);
}

absl::StatusOr<SortKey> SortSpec::ExtractKeyChecked(ValueView doc) const {
  std::vector<SortCandidate> candidates;
  RETURN_IF_ERROR(ExtractCandidates(doc, &candidates));
  return KeyFromCandidates(candidates);
}

absl::Status SortSpec::CheckDocument(ValueView doc) const {
  if (compiled_.size() < 2) return absl::OkStatus();
  std::vector<SortCandidate> candidates;
  return ExtractCandidates(doc, &candidates);
}

int SortSpec::CompareKeys(const SortKey& a, const SortKey& b) const {
  size_t n = std::min(a.parts_.size(), b.parts_.size());
  for (size_t i = 0; i < n; ++i) {
    SortCandidate ca{a.parts_[i].value.view(), a.parts_[i].empty_array};
    SortCandidate cb{b.parts_[i].value.view(), b.parts_[i].empty_array};
    int c = Sign(internal::CompareSortCandidates(ca, cb));
    if (c != 0) return compiled_[i].descending ? -c : c;
  }
  return 0;
}

int SortSpec::Compare(ValueView a, ValueView b) const {
  if (compiled_.size() == 1) {
    const CompiledPath& path = compiled_[0];
    int c = Sign(internal::CompareSortCandidates(
        internal::ExtractSortCandidate(a, path.steps, path.descending),
        internal::ExtractSortCandidate(b, path.steps, path.descending)));
    return path.descending ? -c : c;
  }
  std::vector<SortCandidate> ca, cb;
  ExtractCandidates(a, &ca).IgnoreError();
  ExtractCandidates(b, &cb).IgnoreError();
  for (size_t i = 0; i < compiled_.size(); ++i) {
    int c = Sign(internal::CompareSortCandidates(ca[i], cb[i]));
    if (c != 0) return compiled_[i].descending ? -c : c;
  }
  return 0;
}

}  // namespace minimongo::query
