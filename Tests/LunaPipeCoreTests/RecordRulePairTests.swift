import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore

/// A `required` rule next to the `empty` rule of the same columns and
/// values (a column filled exactly when another has one of some values) is
/// checked as one test (`RuleSet`): every record still breaks the rule, of
/// the two, that the rules one by one say it breaks, in either order, next
/// to rules before and after them.
@Suite struct RecordRulePairTests {
  final class Ignore: ChunkConsumer, @unchecked Sendable {
    func consume(_ r: Record) {}
    func endChunk() {}
  }

  @Test func aPairOfRulesRejectsAsTheRulesOneByOne() throws {
    var lines = ["a;b;c;n"]
    var expected: [String] = []
    var accepted = 0
    var line = 1
    for a in [51, 57, 62, 65] {
      for b in ["", "2"] {
        for c in ["", "1"] {
          for n in ["1", "-1"] {
            lines.append("\(a);\(b);\(c);\(n)")
            line += 1
            // The rules in order; the first broken one rejects.
            if n == "-1" {
              expected.append("\(line),n,negative")
            } else if b.isEmpty && [62, 65].contains(a) {
              expected.append("\(line),b,required-for-a")
            } else if !b.isEmpty && ![62, 65].contains(a) {
              expected.append("\(line),b,must-be-empty")
            } else if !c.isEmpty && a != 62 {
              expected.append("\(line),c,must-be-empty")
            } else if c.isEmpty && a == 62 {
              expected.append("\(line),c,required-for-a")
            } else {
              accepted += 1
            }
          }
        }
      }
    }
    let dir = makeTempDir("rule-pairs")
    let path = writeFile(dir, "in.csv", lines.joined(separator: "\n") + "\n")
    var schema = Schema(columns: [
      Column("a", .integer(0...99)),
      Column("b", .integer(1...4), required: false),
      Column("c", .integer(1...4), required: false),
      Column("n", .integer(-9...9)),
    ])
    schema.rules = [
      .required("b", when: "a", in: [62, 65]),
      .empty("b", unless: "a", in: [62, 65]),
      // The other order.
      .empty("c", unless: "a", in: [62]),
      .required("c", when: "a", in: [62]),
    ]
    // A rule before the pairs: the first broken rule rejects.
    schema.rules.insert(RecordRule("negative", column: "n") { $0[3] >= 0 }, at: 0)
    for fast in [true, false] {
      let out = try OutputDirectory(target: makeTempDir("rule-pairs-out") + "/out")
      defer { out.discard() }
      var options = ScanOptions(threads: 1)
      options.wholeLines = fast
      let context = RunContext(options: options, maxRejectShare: 1, output: out, log: { _ in })
      _ = try Pipeline("pairs").readCSV([path]).validate(schema)
        .map("count") { input, ctx in try ctx.scan(input) { Ignore() } }
        .run(in: context)
      let rejects = try readCSV(out.staging.path + "/rejects.csv").dropFirst().map { "\($0[6]),\($0[3]),\($0[4])" }
      #expect(rejects == expected)
      #expect(context.report.inputs.first?.accepted == accepted)
      #expect(accepted == 4)
    }
  }
}
