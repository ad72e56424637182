// Live-query events as JSON lines: the one printer of `minimongo replay --observe` and
// `minimongo connect --observe`, so that both commands write the same bytes for the same event.
//
// Each event becomes one JSON object (no line break; the sink adds its own), with ids and
// fields as canonical Meteor EJSON (query::AppendEjson with escape_extended_forms = false):
//   {"event":"added","id":ID,"fields":{...}}
//   {"event":"addedBefore","id":ID,"fields":{...},"before":ID|null}
//   {"event":"changed","id":ID,"fields":{...},"cleared":["name",...]}
//   {"event":"movedBefore","id":ID,"before":ID|null}
//   {"event":"removed","id":ID}
// Keys come in this order; "fields" holds what ObserveChangesCallbacks passes (the changed or
// new top-level fields, without _id).
//
// Thread safety: the callbacks call `sink` on whatever thread runs them (the store's); the sink
// is copied into each callback and must be callable from there.
//
// Example:
//   auto handle = db.GetCollection("files").ObserveChanges(
//       selector, options, EventJsonCallbacks(/*ordered=*/false, [&](std::string line) {
//         std::cout << line << '\n';
//       }));

#ifndef MINIMONGO_DDP_SYNC_EVENT_JSON_H_
#define MINIMONGO_DDP_SYNC_EVENT_JSON_H_

#include <functional>
#include <string>

#include "minimongo/observe.h"

namespace minimongo::ddp {

// Callbacks that turn each live-query event into one JSON line (see the file comment) and hand
// it to `sink`. `ordered`: set added_before/moved_before (an ordered live query, with a sort or
// a limit) instead of added; changed and removed are set either way.
// REQUIRES: sink is callable.
ObserveChangesCallbacks EventJsonCallbacks(bool ordered,
                                           std::function<void(std::string line)> sink);

}  // namespace minimongo::ddp

#endif  // MINIMONGO_DDP_SYNC_EVENT_JSON_H_
