// `minimongo connect`: a live DDP client on the command line (connection.h), printing live-query
// events as they arrive, in the JSON lines of `minimongo replay --observe`.
//
//   minimongo connect URL --sub NAME [--params JSON] [--sub ...]
//       [--observe COLLECTION SELECTOR [--sort S] [--limit N]] [--record FILE]
//       [--call METHOD PARAMS]... [--duration-ms N] [--exit-when-ready]
//       [--ca-file PEM] [--dangerously-skip-certificate-verification]
//
// Lives in //ddp_transport, not in minimongo/main.cc, so that the store's libraries never depend
// on the transport; the `minimongo` binary links it (see docs/ddp.md, "Transport").
//
// Thread safety: runs the connection's loop on the calling thread until it ends.

#ifndef MINIMONGO_DDP_TRANSPORT_CONNECT_MAIN_H_
#define MINIMONGO_DDP_TRANSPORT_CONNECT_MAIN_H_

namespace minimongo::ddp {

// Runs the command with the arguments after "connect". Output: live-query events and method
// outcomes on stdout, one JSON object per line, then the final client state (the StateJson of
// replay.h); progress and rejected frames ("line N: reason", N the line of the recording) on
// stderr. Stops on SIGINT/SIGTERM (clean close), after --duration-ms, or with
// --exit-when-ready once every --sub is ready (or nosub) and every --call has its outcome.
// Returns 0 on a clean end, 1 for bad values (URL, JSON, CA file, recording file) or a session
// that stopped (version negotiation failed), 2 for a usage error.
int RunConnect(int argc, char** argv);

}  // namespace minimongo::ddp

#endif  // MINIMONGO_DDP_TRANSPORT_CONNECT_MAIN_H_
