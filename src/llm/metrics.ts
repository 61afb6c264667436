// LLM metrics in prom-client's default registry. Labels are the model id and an outcome class:
// never a prompt, an answer, a patient or an event.
import client from 'prom-client';

function counter<L extends string>(name: string, help: string, labelNames: L[]): client.Counter<L> {
  // One registration per process, whoever asks first (several clients may share a model).
  const existing = client.register.getSingleMetric(name);
  if (existing) return existing as client.Counter<L>;
  return new client.Counter({ name, help, labelNames });
}

/** kind: prompt | completion. */
export const llmTokens = counter('vigil_llm_tokens_total', 'Tokens the LLM endpoint reported using, by model and kind (prompt, completion).', ['model', 'kind']);

/**
 * One per attempt against the endpoint (outcome ok, or the failure class: timeout, rate_limited,
 * server_error, connection, rejected, aborted, invalid_answer), and `cached` for an answer read
 * from the store without a call.
 */
export const llmRequests = counter('vigil_llm_requests_total', 'LLM requests by model and outcome (ok, a failure class, or cached: answered from the store).', ['model', 'outcome']);
