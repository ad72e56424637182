#include "minimongo/database.h"

namespace minimongo {

Collection& Database::GetCollection(std::string_view name) {
  auto it = collections_.find(name);
  if (it == collections_.end()) {
    it = collections_
             .emplace(std::string(name), std::make_unique<Collection>(std::string(name), defaults_))
             .first;
    if (paused_) it->second->PauseObservers();
  }
  return *it->second;
}

Collection* Database::FindCollection(std::string_view name) {
  auto it = collections_.find(name);
  return it == collections_.end() ? nullptr : it->second.get();
}

const Collection* Database::FindCollection(std::string_view name) const {
  auto it = collections_.find(name);
  return it == collections_.end() ? nullptr : it->second.get();
}

bool Database::DropCollection(std::string_view name) {
  auto it = collections_.find(name);
  if (it == collections_.end()) return false;
  collections_.erase(it);
  return true;
}

std::vector<std::string> Database::CollectionNames() const {
  std::vector<std::string> names;
  for (const auto& [name, collection] : collections_) names.push_back(name);
  return names;
}

void Database::PauseObservers() {
  paused_ = true;
  for (auto& [name, collection] : collections_) collection->PauseObservers();
}

void Database::ResumeObservers() {
  if (!paused_) return;
  paused_ = false;
  // By name, looked up afresh: a callback may create or drop collections meanwhile.
  for (const std::string& name : CollectionNames()) {
    if (Collection* collection = FindCollection(name)) collection->ResumeObservers();
  }
}

}  // namespace minimongo
