// What the parts of session.cc share: the order of an ordered collection (Session's private
// OrderedIds) and the id wording of rejection messages. Internal to //ddp_sync.
//
// Thread safety: as Session (one thread at a time).

#ifndef MINIMONGO_DDP_SYNC_INTERNAL_SESSION_INTERNAL_H_
#define MINIMONGO_DDP_SYNC_INTERNAL_SESSION_INTERNAL_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "ddp_sync/session.h"
#include "query/ejson.h"
#include "query/value.h"
#include "query/value_order.h"

namespace minimongo::ddp {
namespace internal {

// A document id for messages: "f1" quoted, 7 bare; cut at 60 characters.
inline std::string DescribeDocumentId(query::ValueView id) {
  query::EjsonOptions options;
  options.escape_extended_forms = false;
  std::string s = query::ToEjson(id, options);
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

}  // namespace internal

// The order of an ordered collection: a doubly linked list threaded through a hash map from
// id to neighbours, so addedBefore/movedBefore/removed are O(1) and Order() is O(n).
class Session::OrderedIds {
 public:
  bool Contains(query::ValueView id) const { return links_.contains(id); }

  // REQUIRES: !Contains(id); before is nullopt or Contains(*before).
  void InsertBefore(const query::Value& id, const std::optional<query::Value>& before) {
    Links links;
    if (!before) {
      links.prev = tail_;
      if (tail_) links_.find(*tail_)->second.next = id;
      tail_ = id;
      if (!head_) head_ = id;
    } else {
      Links& b = links_.find(*before)->second;
      links.prev = b.prev;
      links.next = *before;
      if (b.prev) {
        links_.find(*b.prev)->second.next = id;
      } else {
        head_ = id;
      }
      b.prev = id;
    }
    links_.emplace(id, std::move(links));
  }

  // Unlinks `id` when present.
  void Erase(query::ValueView id) {
    auto it = links_.find(id);
    if (it == links_.end()) return;
    Links links = std::move(it->second);
    links_.erase(it);
    if (links.prev) {
      links_.find(*links.prev)->second.next = links.next;
    } else {
      head_ = links.next;
    }
    if (links.next) {
      links_.find(*links.next)->second.prev = links.prev;
    } else {
      tail_ = links.prev;
    }
  }

  std::vector<query::Value> Ids() const {
    std::vector<query::Value> out;
    out.reserve(links_.size());
    for (std::optional<query::Value> at = head_; at; at = links_.find(*at)->second.next) {
      out.push_back(*at);
    }
    return out;
  }

 private:
  struct Links {
    std::optional<query::Value> prev;
    std::optional<query::Value> next;
  };
  absl::flat_hash_map<query::Value, Links, query::ValueHash, query::ValueEq> links_;
  std::optional<query::Value> head_;
  std::optional<query::Value> tail_;
};

}  // namespace minimongo::ddp

#endif  // MINIMONGO_DDP_SYNC_INTERNAL_SESSION_INTERNAL_H_
