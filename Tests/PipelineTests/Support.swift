import Foundation
import TestSupport

/// The built command (`make test` sets `LUNAPIPE_BIN`).
let lunapipeBinary: String =
  ProcessInfo.processInfo.environment["LUNAPIPE_BIN"] ?? repositoryRoot + "/.build/release/lunapipe"

/// The full sample (`make test` makes it and sets `LUNAPIPE_FULL_SAMPLE`).
let fullSample: String =
  ProcessInfo.processInfo.environment["LUNAPIPE_FULL_SAMPLE"] ?? repositoryRoot + "/Samples/full"

struct MissingPrerequisite: Error, CustomStringConvertible {
  let description: String
}

/// Runs `lunapipe` with `arguments`; returns its exit status and output.
func runLunapipe(_ arguments: [String]) throws -> (exit: Int32, stdout: String, stderr: String) {
  guard FileManager.default.isExecutableFile(atPath: lunapipeBinary) else {
    throw MissingPrerequisite(description: "no lunapipe binary at \(lunapipeBinary): run `make test`")
  }
  if arguments.contains(where: { $0.hasPrefix(fullSample) }),
    !FileManager.default.fileExists(atPath: fullSample + "/ydelser-2023.csv")
  {
    throw MissingPrerequisite(description: "no full sample in \(fullSample): run `make test`")
  }
  let p = Process()
  p.executableURL = URL(fileURLWithPath: lunapipeBinary)
  p.arguments = arguments
  let out = Pipe()
  let err = Pipe()
  p.standardOutput = out
  p.standardError = err
  try p.run()
  let o = out.fileHandleForReading.readDataToEndOfFile()
  let e = err.fileHandleForReading.readDataToEndOfFile()
  p.waitUntilExit()
  return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}
