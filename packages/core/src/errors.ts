/** Why a policy refused an upload; `field` names the input to fix. */
export type PolicyViolation =
  | 'unknown_purpose'
  | 'method_not_allowed'
  | 'type_not_allowed'
  | 'too_large'
  | 'empty'

export class PolicyError extends Error {
  override readonly name = 'PolicyError'
  constructor(
    readonly violation: PolicyViolation,
    readonly field: 'purpose' | 'method' | 'contentType' | 'size',
    message: string,
  ) {
    super(message)
  }
}
