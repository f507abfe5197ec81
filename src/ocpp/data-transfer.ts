/**
 * Vendor DataTransfer from the CSMS. The uplink does not know any vendor's content: the station routes a request to
 * whoever owns it (California Pricing, `org.openchargealliance.costmsg`, to src/billing's parseCostMsg and the display)
 * and answers with its verdict. Without a route every vendorId is unknown.
 */

export interface DataTransferRequest {
  readonly vendorId: string;
  readonly messageId?: string;
  readonly data?: string;
}

export interface DataTransferAnswer {
  readonly status: 'Accepted' | 'Rejected' | 'UnknownMessageId' | 'UnknownVendorId';
  readonly data?: string;
}

/** The station's router of vendor DataTransfers. It must not throw; a malformed payload is answered Rejected. */
export type DataTransferRoute = (request: DataTransferRequest) => DataTransferAnswer | Promise<DataTransferAnswer>;

/** Answers a DataTransfer through the route (UnknownVendorId without one; Rejected when the route throws). */
export async function answerDataTransfer(route: DataTransferRoute | undefined, request: DataTransferRequest): Promise<DataTransferAnswer> {
  if (!route) return { status: 'UnknownVendorId' };
  try {
    const answer = await route(request);
    return answer.data !== undefined ? { status: answer.status, data: answer.data } : { status: answer.status };
  } catch {
    return { status: 'Rejected' };
  }
}
