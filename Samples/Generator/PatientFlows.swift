// How the patients of one speciale and year are made up, in counts only.
//
// The tables fix, per kommune, the patients by clinic kommune (n, implied by
// Tabel 21/25) and by home kommune (P, Tabel 26), plus two region totals
// that are distinct counts. Patients come in six kinds:
//
//   kind       segments (home kommune, clinic kommune)   counts in
//   local      (h, h)                                    n[h], P[h]
//   multi      (h, h) and (h, j)                         n[h], n[j], P[h]
//   mover      (h1, h1) then (h2, h1): moved, same clinic n[h1], P[h1], P[h2]
//   commuter   (h, j), j another region kommune          n[j], P[h]
//   inbound    (o, j), o outside the region              n[j]
//   outbound   (h, o), clinic outside the region         P[h]
//
// so Σn − N = #multi (treated in two kommuner, once in the Total),
// ΣP − P_total = #movers, and N − P_total = #inbound − #outbound. The counts
// are drawn from a fixed stream (not the seed): every seed has the same
// patient mix, so aggregates never depend on the seed.

struct PatientFlows {
  /// Per row: patients living and treated in that kommune only.
  var local: [Int]
  /// Rows: home and the second clinic kommune.
  var multi: [(home: Int, second: Int)] = []
  /// Rows: first and second home; treated in the first home kommune.
  var movers: [(from: Int, to: Int)] = []
  /// Rows: home and clinic kommune.
  var commuters: [(home: Int, clinic: Int)] = []
  /// Origin = index into `Places.outsideCodes`; clinic = row.
  var inbound: [(origin: Int, clinic: Int)] = []
  /// Home = row; clinic = index into `Places.outsideCodes`.
  var outbound: [(home: Int, clinic: Int)] = []

  init(design: SpecialeDesign, yearIndex yi: Int, places: Places) {
    let m = design.measures
    let k = Rows.kommuner
    let n = (0..<k).map { m.patienterYder[$0][yi] }
    let p = (0..<k).map { m.patienterBopael[$0][yi] }
    let nTotal = m.patienterYder[Rows.total][yi]
    let pTotal = m.patienterBopael[Rows.total][yi]
    let multiCount = n.reduce(0, +) - nTotal
    let moverCount = p.reduce(0, +) - pTotal
    // About 1.2 % of the region's patients are treated only outside it.
    let outboundCount = pTotal * 12 / 1000
    let inboundCount = nTotal - pTotal + outboundCount
    precondition(multiCount >= 0 && moverCount >= 0 && inboundCount >= 0, "impossible patient totals")

    var rng = SplitMix64(0xF10E_5000, UInt64(design.speciale), UInt64(Rows.years[yi]))
    func excluding(_ w: [Int], _ i: Int) -> [Int] {
      var w = w
      w[i] = 0
      return w
    }
    for _ in 0..<multiCount {
      let home = rng.weighted(p)
      multi.append((home, rng.weighted(excluding(n, home))))
    }
    for _ in 0..<moverCount {
      let from = rng.weighted(p)
      movers.append((from, rng.weighted(excluding(p, from))))
    }
    for _ in 0..<outboundCount {
      outbound.append((rng.weighted(p), rng.weighted(places.outboundWeights)))
    }
    for _ in 0..<inboundCount {
      inbound.append((rng.weighted(places.inboundWeights), rng.weighted(n)))
    }

    // What is left of n[j] − P[j] must be patients living in one region
    // kommune and treated in another: r[j] = commuters in − commuters out.
    var r = (0..<k).map { n[$0] - p[$0] }
    for x in multi { r[x.second] -= 1 }
    for x in inbound { r[x.clinic] -= 1 }
    for x in movers { r[x.to] += 1 }
    for x in outbound { r[x.home] += 1 }
    precondition(r.reduce(0, +) == 0, "commuter balance does not close")
    // Senders fill receivers, the largest receiver (Aalborg) first, as most
    // patients who cross a kommune border go to the city.
    var receivers = (0..<k).filter { r[$0] > 0 }.sorted { r[$0] > r[$1] || r[$0] == r[$1] && $0 < $1 }
    for home in 0..<k where r[home] < 0 {
      var need = -r[home]
      while need > 0 {
        let to = receivers[0]
        let take = min(need, r[to])
        commuters += Array(repeating: (home, to), count: take)
        need -= take
        r[to] -= take
        if r[to] == 0 { receivers.removeFirst() }
      }
    }

    var local = n
    for x in multi {
      local[x.home] -= 1
      local[x.second] -= 1
    }
    for x in movers { local[x.from] -= 1 }
    for x in commuters { local[x.clinic] -= 1 }
    for x in inbound { local[x.clinic] -= 1 }
    // Cross-check against the home side: the same locals must remain.
    var homeSide = p
    for x in multi { homeSide[x.home] -= 1 }
    for x in movers {
      homeSide[x.from] -= 1
      homeSide[x.to] -= 1
    }
    for x in commuters { homeSide[x.home] -= 1 }
    for x in outbound { homeSide[x.home] -= 1 }
    precondition(local == homeSide, "patient flows do not reproduce both n and P")
    precondition(local.allSatisfy { $0 > 0 }, "a kommune has no local patients left: \(local)")
    self.local = local
  }

  /// All patients of the year: each counted once in the region total of n.
  var patientCount: Int {
    local.reduce(0, +) + multi.count + movers.count + commuters.count + inbound.count + outbound.count
  }
}
