// A database: a set of named collections, created on first use.
//
// Thread safety: none (see collection.h), not even between const calls: a lookup remembers its
// result. Collections live as long as the database; the references returned stay valid until
// DropCollection of that name or the database's end.
//
// Example:
//   Database db;
//   Collection& files = db.GetCollection("files");

#ifndef MINIMONGO_MINIMONGO_DATABASE_H_
#define MINIMONGO_MINIMONGO_DATABASE_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "minimongo/collection.h"

namespace minimongo {

class Database {
 public:
  explicit Database(CollectionOptions defaults = {}) : defaults_(std::move(defaults)) {}
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // The collection named `name`, created empty (with the database's default options) when it
  // does not exist yet.
  Collection& GetCollection(std::string_view name);
  // The collection named `name`, or nullptr. O(1) when it is the name last looked up, else
  // O(log collections).
  Collection* FindCollection(std::string_view name);
  const Collection* FindCollection(std::string_view name) const;
  // Removes the collection. Returns false when there was none.
  bool DropCollection(std::string_view name);
  // Collection names in lexicographic order.
  std::vector<std::string> CollectionNames() const;

  // Collection::PauseObservers on every collection, including those created until the resume.
  void PauseObservers();
  // Collection::ResumeObservers on every collection, in name order. No-op when not paused.
  void ResumeObservers();

 private:
  CollectionOptions defaults_;
  bool paused_ = false;
  using CollectionMap = std::map<std::string, std::unique_ptr<Collection>, std::less<>>;
  CollectionMap collections_;
  // The entry the last lookup found (map entries stay put until erased): a session looks the
  // same name up several times per frame, and one string comparison beats a tree walk.
  mutable const CollectionMap::value_type* last_ = nullptr;
};

}  // namespace minimongo

#endif  // MINIMONGO_MINIMONGO_DATABASE_H_
