import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore

/// A reject-limit failure names the count, the shares and the option that
/// raises the limit (issue 23, item 7).
@Suite struct RejectLimitMessageTests {
  let header = "Aar;Kommune;Antal;Beloeb;PatientId;Hold\n"

  /// The message of the reject-limit failure of a scan of `text`.
  func failure(_ text: String, maxRejectShare: Double = 0.01) throws -> String? {
    let dir = makeTempDir("reject-limit")
    do {
      _ = try scan(
        [writeFile(dir, "a.csv", text)], schema: testSchema, aggregation: testAggregation,
        maxRejectShare: maxRejectShare)
      return nil
    } catch let e as StageError {
      guard case .rejectThreshold(let m) = e.underlying as? PipelineError else { throw e }
      return m
    }
  }

  /// 83 records, one damaged: 1.2 % > 1 %, and `--max-reject-share 0.02`
  /// would let it pass.
  @Test func oneOf83RecordsNamesCountSharesAndOption() throws {
    let good = String(repeating: "2019;851;1;1,00;p1;N\n", count: 82)
    let m = try #require(try failure(header + good + "2019;999;1;1,00;p1;N\n"))
    #expect(m.hasPrefix("too many rejects: 1 of 83 records, 1.2 % > 1 % allowed; most frequent rules: unknown-code (1)"))
    #expect(m.contains("raise the limit (--max-reject-share, maxRejectShare; now 0.01)"))
    #expect(m.contains("--max-reject-share 0.02 lets this run pass."))
  }

  /// The suggested limit does let the run pass, and one under the share
  /// does not.
  @Test func theSuggestedLimitPasses() throws {
    let good = String(repeating: "2019;851;1;1,00;p1;N\n", count: 82)
    let text = header + good + "2019;999;1;1,00;p1;N\n"
    #expect(try failure(text, maxRejectShare: 0.02) == nil)
    #expect(try failure(text, maxRejectShare: 0.012) != nil)
  }

  /// The share gets as many decimals as keep it apart from the limit.
  @Test func sharesAreWrittenApart() {
    #expect(RunContext.percents(1.0 / 83, above: 0.01) == ("1.2", "1"))
    #expect(RunContext.percents(0.0104, above: 0.01) == ("1.04", "1"))
    #expect(RunContext.percents(0.5, above: 0.01) == ("50", "1"))
    #expect(RunContext.percents(0.0026, above: 0.0025) == ("0.26", "0.25"))
    #expect(RunContext.percents(0.00001, above: 0) == ("0.001", "0"))
  }
}
