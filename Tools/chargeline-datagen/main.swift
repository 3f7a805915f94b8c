// chargeline-datagen: deterministic EV charging telemetry as InfluxDB line protocol.
//
// The entry point only runs the command; `Datagen` (Datagen.swift) holds the options,
// `GunSimulator` the per-gun physics, `LineFormatter` the byte-level output.
Datagen.main()
