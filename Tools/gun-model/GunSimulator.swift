import Foundation

/// Gun status codes as piles report them (the `status` field).
package enum GunStatus: UInt8 {
    case offline = 0
    case fault = 1
    case idle = 2
    case charging = 3
}

/// One sample of one gun, already rounded to the printed resolution.
package struct GunReading {
    /// 0.1 V units.
    package var decivolts: Int64
    /// 0.1 A units.
    package var deciamps: Int64
    /// 0.1 °C units.
    package var decidegrees: Int64
    /// Percent, 0...100.
    package var soc: Int64
    /// 0.001 kWh (Wh) units; a per-gun cumulative meter.
    package var wattHours: Int64
    /// 0.01 kW units, = printed voltage x printed current / 1000, rounded.
    package var centikilowatts: Int64
    package var status: GunStatus
}

/// Per-step transition probabilities, derived once from the sampling interval so every rate
/// below is a mean duration (exponential holding times, discretised).
package struct TransitionRates {
    package var sessionStart: Double
    package var sessionStop: Double
    package var faultWhileCharging: Double
    package var faultWhileIdle: Double
    package var faultClear: Double
    package var goOffline: Double
    package var comeOnline: Double
    package var meterReset: Double
    /// Fraction of the gap to the target temperature closed per step (first-order lag).
    package var thermalAlpha: Double

    package init(intervalSeconds dt: Double) {
        func p(meanSeconds: Double) -> Double { -expm1(-dt / meanSeconds) }
        sessionStart = p(meanSeconds: 60 * 60)          // mean idle time between sessions: 60 min
        sessionStop = p(meanSeconds: 100 * 60)          // early unplug; with full-pack stops, mean session ~45 min
        faultWhileCharging = p(meanSeconds: 200 * 3600) // one fault per ~200 h of charging
        faultWhileIdle = p(meanSeconds: 2000 * 3600)    // idle guns fault ten times less often
        faultClear = p(meanSeconds: 15 * 60)            // a fault is cleared in ~15 min
        goOffline = p(meanSeconds: 1000 * 3600)         // link loss ~ once per 1000 h idle
        comeOnline = p(meanSeconds: 30 * 60)            // back after ~30 min
        meterReset = p(meanSeconds: 10_000 * 3600)      // meter swap/reset ~ once per 10,000 h
        thermalAlpha = -expm1(-dt / 300)                // connector thermal time constant 5 min
    }
}

/// The simulated state of one charging gun: its pile's voltage class, the vehicle currently
/// charging (if any), and the cumulative energy meter.
///
/// Charging model: the pack's open-circuit voltage rises linearly with SoC from `vLow` to
/// `vFull`; the charger holds the session's constant current (CC) until pack voltage plus the
/// I*R drop reaches `vFull`, then holds that voltage (CV) so current falls as `(vFull - ocv)/R`
/// and tapers off exponentially in time. `R` is chosen per session so CV starts at 72-88 % SoC.
package struct GunSimulator {
    private var rng: Xoshiro256
    private(set) var status: GunStatus
    /// Pack voltage at 0 % and 100 % SoC (= the CV limit) for this pile's class.
    private let vLow: Double
    private let vFull: Double
    /// Output voltage reported while idle (the charger's open-circuit standby voltage).
    private let idleVoltage: Double
    private let ambientBase: Double

    // Session (valid while charging).
    private var soc: Double = 0
    private var targetSoc: Double = 0
    private var capacityKWh: Double = 0
    private var constantCurrent: Double = 0
    private var resistance: Double = 0
    private var elapsed: Double = 0

    private var energyKWh: Double
    private var temperature: Double

    /// Seeds the gun from `(seed, index)`, so a gun's series does not depend on how many guns
    /// are generated. 45/105 of guns start mid-session: the steady-state share of ~45 min
    /// sessions separated by ~60 min idle gaps.
    package init(seed: UInt64, index: Int) {
        rng = Xoshiro256(seed: seed, stream: UInt64(index))
        // A quarter of piles are 750 V class (800 V vehicles), the rest 400 V class.
        if rng.chance(0.25) {
            vLow = 600; vFull = 790
            idleVoltage = 750 + rng.uniform(-3, 3)
        } else {
            vLow = 330; vFull = 410
            idleVoltage = 400 + rng.uniform(-3, 3)
        }
        ambientBase = rng.uniform(15, 28)
        temperature = ambientBase
        energyKWh = rng.uniform(0, 20_000)
        status = .idle
        if rng.chance(45.0 / 105.0) {
            startSession()
            soc = rng.uniform(soc, min(targetSoc, 90))
            elapsed = rng.uniform(60, 1800)
            temperature += 45 * (constantCurrent / 250) * (constantCurrent / 250) * rng.unit()
        }
    }

    private mutating func startSession() {
        status = .charging
        capacityKWh = rng.uniform(50, 110)
        soc = rng.uniform(5, 45)
        targetSoc = rng.uniform(80, 100)
        constantCurrent = rng.uniform(50, 250)  // CC setpoint: vehicle and pile limits
        let cvSoc = rng.uniform(72, 88)
        resistance = (vFull - ocv(cvSoc)) / constantCurrent
        elapsed = 0
    }

    @inline(__always)
    private func ocv(_ soc: Double) -> Double {
        vLow + (vFull - vLow) * soc * 0.01
    }

    /// Uniform jitter in whole steps (milliseconds or seconds, the caller scales), in
    /// [-maxSteps, maxSteps].
    @inline(__always)
    package mutating func jitterSteps(_ maxSteps: Int64) -> Int64 {
        maxSteps == 0 ? 0 : rng.integer(-maxSteps, maxSteps)
    }

    /// Advances by one interval of `dt` seconds and returns the reading at the new instant.
    /// `ambientOffset` is the time-of-day swing shared by all guns.
    @inline(__always)
    package mutating func step(dt: Double, rates: TransitionRates, ambientOffset: Double) -> GunReading {
        // 1. Status transitions.
        switch status {
        case .charging:
            if rng.chance(rates.faultWhileCharging) {
                status = .fault
            } else if rng.chance(rates.sessionStop) {
                status = .idle
            }
        case .idle:
            let u = rng.unit()
            if u < rates.sessionStart {
                startSession()
            } else if u < rates.sessionStart + rates.faultWhileIdle {
                status = .fault
            } else if u < rates.sessionStart + rates.faultWhileIdle + rates.goOffline {
                status = .offline
            }
        case .fault:
            if rng.chance(rates.faultClear) { status = .idle }
        case .offline:
            if rng.chance(rates.comeOnline) { status = .idle }
        }
        if rng.chance(rates.meterReset) { energyKWh = 0 }

        // 2. Electrical readings.
        var volts = 0.0
        var amps = 0.0
        if status == .charging {
            elapsed += dt
            let open = ocv(soc)
            let ramp = min(1, elapsed / 30)  // chargers ramp current up over ~30 s
            let cvLimit = (vFull - open) / resistance
            amps = min(constantCurrent * ramp, cvLimit)
            let cutoff = max(3, constantCurrent * 0.05)
            if soc >= targetSoc || (ramp >= 1 && amps < cutoff) {
                status = .idle  // vehicle full: the session ends this sample
                amps = 0
            } else {
                volts = min(open + amps * resistance + rng.uniform(-0.3, 0.3), vFull + 0.2)
                amps = max(0, amps + rng.uniform(-0.2, 0.2))
                let kWh = volts * amps * dt / 3_600_000
                energyKWh += kWh
                soc = min(100, soc + kWh / capacityKWh * 100)
            }
        }
        if status == .idle {
            volts = idleVoltage + rng.uniform(-0.2, 0.2)
        }

        // 3. Connector temperature follows I^2 with a 5 min lag: +45 °C at 250 A.
        let ambient = ambientBase + ambientOffset
        let load = amps / 250
        temperature += (ambient + 45 * load * load - temperature) * rates.thermalAlpha
        let shownTemperature = temperature + rng.uniform(-0.05, 0.05)

        let dv = Int64((volts * 10).rounded())
        let da = Int64((amps * 10).rounded())
        return GunReading(
            decivolts: dv,
            deciamps: da,
            decidegrees: Int64((shownTemperature * 10).rounded()),
            soc: status == .charging ? Int64(soc) : 0,
            wattHours: Int64((energyKWh * 1000).rounded(.down)),
            centikilowatts: (dv * da + 500) / 1000,
            status: status)
    }
}
