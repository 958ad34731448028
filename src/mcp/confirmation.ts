import { acceptedContent, inputRequired, inputResponse, type InputRequiredResult, type ServerContext } from '@modelcontextprotocol/server';
import { z } from 'zod';

const Confirmation = z.object({ confirm: z.boolean().describe('true to go ahead') });

/**
 * Asks the client's user to confirm `message` before a tool goes on. On 2026-07-28 that is a
 * multi-round-trip request: the first call answers `input_required` with an elicitation, and
 * the client calls again with the user's answer under `key`. On 2025-11-25 the SDK's shim sends
 * the elicitation as a request of its own and calls the tool again with the answer, so a tool
 * is written once for both. A client that cannot elicit is refused by the SDK (-32021).
 */
export function confirmation(ctx: ServerContext, key: string, message: string): 'confirmed' | 'declined' | InputRequiredResult {
  const responses = ctx.mcpReq.inputResponses;
  if (inputResponse(responses, key).kind === 'missing') {
    return inputRequired({ inputRequests: { [key]: inputRequired.elicit({ message, requestedSchema: Confirmation }) } });
  }
  return acceptedContent(responses, key, Confirmation)?.confirm === true ? 'confirmed' : 'declined';
}
