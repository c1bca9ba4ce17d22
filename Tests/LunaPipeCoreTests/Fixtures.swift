import LunaPipeCore

/// A small schema with one column of each kind the engine knows.
/// A schema shaped like LUNA's claims, whose files pad fields with spaces.
let testSchema: Schema = {
  var s = Schema(
  columns: [
    Column("Aar", .integer(2019...2023)),
    Column("Kommune", .code([101, 851, 860])),
    Column("Antal", .integer(-99...99), nonZero: true),
    Column("Beloeb", .decimal(scale: 2), aliases: ["Beløb"]),
    Column("PatientId", .text(maxLength: 8)),
    Column("Hold", .flag(yes: "J", no: "N"), required: false),
  ],
  rules: [
    .sameSign("Beloeb", as: "Antal"),
    // Any predicate can be a rule; this one never breaks on the test data.
    RecordRule("antal-below-100", column: "Antal") { r in r[2] < 100 },
  ],
  numberFormat: .danish)
  s.trimsSpaces = true
  return s
}()

let testAggregation = Aggregation(
  keys: ["Aar", "Kommune"], sums: ["Antal", "Beloeb"], distinct: "PatientId", when: .positive("Antal"))

/// All groups of a result, keyed [Aar, Kommune].
func finest(_ r: AggregateResult) -> [[Int64]: GroupMeasures] { r.rollup { $0 } }

/// Windows-1252 bytes of a Latin-1 string.
func latin1(_ s: String) -> [UInt8] { s.unicodeScalars.map { UInt8($0.value) } }
