import ArgumentParser
import Foundation
import LunaSamples

struct Samples: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write sample claims extracts (Region Nordjylland 2019-2023, specialer 51 and 62).",
    discussion: """
      The full set (about 4 million service lines, one file per year in varied
      dialects) aggregates to the published praksisplan tables 19-36. The small
      set keeps every line that touches Læsø, so it reproduces Læsø's rows.
      """)

  @Option(name: .long, help: "Directory to write the extracts into.")
  var out: String

  @Option(name: .long, help: "small or full.")
  var scale: SampleScale = .full

  @Option(name: .long, help: "Seed: another seed gives other patients and order, the same totals.")
  var seed: UInt64 = 1

  func run() throws {
    let started = Date()
    let files = try SampleGenerator(scale: scale, seed: seed).write(to: out)
    for f in files { say(f) }
    StandardStreams.write(
      String(format: "lunapipe: wrote %d files in %.1f s\n", files.count, Date().timeIntervalSince(started)),
      to: STDERR_FILENO)
  }
}

extension SampleScale: ExpressibleByArgument {}
