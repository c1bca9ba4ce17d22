// The nightly job: `bikeshare-nightly --rides 'data/*.csv' --out out/report`.
// Run under LunaOps' Runner, it gets what a scheduled job needs: one run at
// a time per output directory, every run in the history
// (out/lunapipe.sqlite), nothing redone when no ride log changed (exit 0,
// "up to date"), the outputs published by one atomic swap, a failed run
// leaving the previous outputs untouched, sysexits(3) exit codes.
import BikeShare
import Foundation
import LunaOps

var rides: [String] = []
var out: String?
var force = false
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
  switch a {
  case "--rides":
    while let next = args.first, !next.hasPrefix("--") { rides.append(args.removeFirst()) }
  case "--out": out = args.popFirst()
  case "--force": force = true
  default:
    FileHandle.standardError.write(Data("usage: bikeshare-nightly --rides FILE-OR-GLOB... --out DIR [--force]\n".utf8))
    exit(64)
  }
}
guard let out, !rides.isEmpty else {
  FileHandle.standardError.write(Data("usage: bikeshare-nightly --rides FILE-OR-GLOB... --out DIR [--force]\n".utf8))
  exit(64)
}

let runner = Runner(RunSettings(outputDirectory: out, threads: 2, force: force))
// The ride logs are the pipeline's own (its readCSV): the runner checks
// the pipeline before anything else (a misspelt column: exit 78, nothing
// locked or recorded), fingerprints the files it resolves, and the run
// reads exactly those.
let job = RunJob(BikeShare.pipeline(rides: rides), kind: "rides")
do {
  switch try runner.run(job) {
  case .upToDate(let id, _, let message): print("run \(id): \(message)")
  case .published(let id, _, let summary): print("run \(id): \(summary); outputs in \(out)")
  }
} catch {
  exit(RunExit.code(for: error))
}
