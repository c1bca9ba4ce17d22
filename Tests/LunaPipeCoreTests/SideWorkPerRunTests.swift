import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore

/// A side work's start and result belong to the run's context, not to the
/// `SideWork` the pipeline holds: one pipeline value run twice — one run
/// inside the other, so that both starts are pending at once — gives each
/// run its own result, computed once, on a thread of its own.
@Suite struct SideWorkPerRunTests {
  static let schema = Schema(columns: [Column("k", .text(maxLength: 8))])

  struct Taken: Equatable {
    var records: Int
    var thread: String
  }

  @Test func onePipelineValueRunTwiceGivesEachRunItsOwnResult() throws {
    let dir = makeTempDir()
    let a = writeFile(dir, "a.csv", "k\nx\ny\n")
    let b = writeFile(dir, "b.csv", "k\nx\ny\nz\nw\nv\n")
    let glob = dir + "/*.csv"
    let ran = SharedCount()
    // The side input is the run's own: the file its ReadCSV resolved.
    let side = SideWork("side") { context -> Taken in
      ran.add()
      let path = try ReadCSV([glob]).run((), in: context).paths[0]
      let file = try context.readTextRecords(path)
      let n = file.records.count
      try context.finishTextRecords(file, accepted: n, rejectsByRule: [:])
      return Taken(records: n, thread: "\(pthread_self())")
    }
    let second = RunContext()
    second.resolvedInputs.add([glob], paths: [b])
    let first = RunContext()
    first.resolvedInputs.add([glob], paths: [a])
    var inner: (accepted: Int, side: Taken)?
    nonisolated(unsafe) var pipeline: Pipeline<Void, (accepted: Int, side: Taken)>!
    pipeline = Pipeline("twice").start(side).readCSV([glob]).validate(Self.schema).check()
      .map("take") { totals, context in
        // The first run, its side work started and not yet taken, runs the
        // same pipeline value in the second context.
        if context === first { inner = try pipeline.run(in: second) }
        return (totals.accepted, try side.value(in: context))
      }
    let outer = try pipeline.run(in: first)
    let nested = try #require(inner)
    #expect(outer.accepted == 2 && outer.side.records == 2)
    #expect(nested.accepted == 5 && nested.side.records == 5)
    // Each run's work ran once, on a thread of its own, not again inline.
    #expect(ran.value == 2)
    let here = "\(pthread_self())"
    #expect(outer.side.thread != here && nested.side.thread != here)
    // Each run's report has its own side input.
    #expect(first.report.inputs.map(\.path) == [a, a])
    #expect(second.report.inputs.map(\.path) == [b, b])
  }
}
