import Foundation
import TestSupport

/// Runs `lunapipe` with `arguments`; returns its exit status and output.
/// A test that calls it is enabled only if `Prerequisites.binary` (and,
/// for inputs in the full sample, `Prerequisites.fullSample`): without the
/// trait, a missing binary or sample fails the test here.
func runLunapipe(_ arguments: [String]) throws -> (exit: Int32, stdout: String, stderr: String) {
  guard FileManager.default.isExecutableFile(atPath: lunapipeBinary) else {
    throw MissingPrerequisite(
      description: "no lunapipe binary at \(lunapipeBinary): the test lacks `.enabled(if: try Prerequisites.binary)`")
  }
  if arguments.contains(where: { $0.hasPrefix(fullSample) }),
    !FileManager.default.fileExists(atPath: fullSample + "/ydelser-2023.csv")
  {
    throw MissingPrerequisite(
      description: "no full sample in \(fullSample): the test lacks `.enabled(if: try Prerequisites.fullSample)`")
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
