// The codes in a Kafka client error: its own code, the broker's error ids (apiId), through the
// client's nested errors and causes. Codes only: safe to log, they never carry a payload.

export function kafkaErrorCodes(err: unknown): string[] {
  const codes: string[] = [];
  const visit = (e: unknown) => {
    if (!e || typeof e !== 'object') return;
    const { code, apiId, errors, cause } = e as { code?: unknown; apiId?: unknown; errors?: unknown; cause?: unknown };
    if (typeof code === 'string') codes.push(code);
    if (typeof apiId === 'string') codes.push(apiId);
    if (Array.isArray(errors)) errors.forEach(visit);
    visit(cause);
  };
  visit(err);
  return codes;
}
