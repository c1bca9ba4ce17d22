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
  // stderr goes to a file: a run that logs more than a pipe holds while
  // stdout is being read would otherwise block forever.
  let errPath = makeTempDir("lunapipe-stderr") + "/stderr"
  FileManager.default.createFile(atPath: errPath, contents: nil)
  let errFile = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
  defer { try? FileManager.default.removeItem(atPath: (errPath as NSString).deletingLastPathComponent) }
  let out = Pipe()
  p.standardOutput = out
  p.standardError = errFile
  try p.run()
  let o = out.fileHandleForReading.readDataToEndOfFile()
  p.waitUntilExit()
  try errFile.close()
  let e = FileManager.default.contents(atPath: errPath) ?? Data()
  return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}
