import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore

/// A stage that runs other stages (`RunContext.run(_:_:label:)`) keeps
/// them visible: each is timed in the run report as `parent/label`, right
/// after its parent, logged, and its error names it so.
@Suite struct SubStageTests {
  /// Runs `inner` twice, as `first` and under its own label.
  struct Outer: Stage {
    let label = "outer"
    let inner: AnyStage<Int, Int>
    func run(_ input: Int, in context: RunContext) throws -> Int {
      let a = try context.run(inner, input, label: "first")
      return try context.run(inner, a)
    }
  }

  @Test func subStagesAreTimedUnderTheirParent() throws {
    let lines = SideWorkTests.LogLines()
    let context = RunContext(log: { lines.add($0) })
    let double = AnyStage<Int, Int>(label: "double") { x, _ in x * 2 }
    let out = try Pipeline("p").map("start") { _, _ in 3 }.then(Outer(inner: double)).map("end") { x, _ in x + 1 }
      .run(in: context)
    #expect(out == 13)
    #expect(context.report.stages.map(\.label) == ["start", "outer", "outer/first", "outer/double", "end"])
    #expect(lines.lines.contains { $0.hasPrefix("[outer/first] done in ") })
  }

  @Test func aSubStagesErrorNamesItUnderItsParent() {
    let context = RunContext()
    let failing = AnyStage<Int, Int>(label: "fails") { _, _ in throw PipelineError.configuration("no column \"x\"") }
    do {
      _ = try Pipeline("p").map("start") { _, _ in 1 }.then(Outer(inner: failing)).run(in: context)
      Issue.record("the sub-stage's error was lost")
    } catch let e as StageError {
      #expect(e.stage == "outer/first")
      #expect(e.underlying as? PipelineError == .configuration("no column \"x\""))
    } catch {
      Issue.record("not a StageError: \(error)")
    }
    // Neither the failed sub-stage nor its parent is timed.
    #expect(context.report.stages.map(\.label) == ["start"])
  }
}
