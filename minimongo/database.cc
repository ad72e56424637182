#include "minimongo/database.h"

#include <utility>

namespace minimongo {

Collection& Database::GetCollection(std::string_view name) {
  if (Collection* cached = FindCollection(name)) return *cached;
  auto it = collections_
                .emplace(std::string(name), std::make_unique<Collection>(std::string(name), defaults_))
                .first;
  if (paused_) it->second->PauseObservers();
  last_ = &*it;
  return *it->second;
}

Collection* Database::FindCollection(std::string_view name) {
  return const_cast<Collection*>(std::as_const(*this).FindCollection(name));
}

const Collection* Database::FindCollection(std::string_view name) const {
  if (last_ != nullptr && last_->first == name) return last_->second.get();
  auto it = collections_.find(name);
  if (it == collections_.end()) return nullptr;
  last_ = &*it;
  return it->second.get();
}

bool Database::DropCollection(std::string_view name) {
  auto it = collections_.find(name);
  if (it == collections_.end()) return false;
  if (last_ == &*it) last_ = nullptr;
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
