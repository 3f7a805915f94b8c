public import ChargelineCore
public import ChargelineFrontEnd

/// The HTTP API's `POST /ocpp/trigger` goes through here.
extension OCPPFrontEnd: ChargePointControl {
    public func trigger(chargePoint: String, message: String, connectorId: Int?,
                        completion: @escaping @Sendable (Result<String, ChargelineError>) -> Void) {
        Task {
            do {
                completion(.success(try await trigger(chargePoint, message: message, connectorId: connectorId)))
            } catch let error as ChargelineError {
                completion(.failure(error))
            } catch {
                completion(.failure(ChargelineError(.io, "TriggerMessage to \(chargePoint) failed: \(error)")))
            }
        }
    }
}
