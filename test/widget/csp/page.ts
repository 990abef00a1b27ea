/**
 * The script of the strict-CSP page: records every CSP violation from the first moment, points
 * the element at the fake API the dev server answers (test/widget/web-test-runner.config.mjs),
 * then loads the widget as a merchant would.
 */
const violations: string[] = [];
document.addEventListener('securitypolicyviolation', (e) => {
  violations.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber} "${e.sample}"`);
});
(window as unknown as { cspViolations: string[] }).cspViolations = violations;

document.querySelector('sg-checkout')!.setAttribute('api', `${location.origin}/csp-api`);
await import('../../../widget/sg-checkout');
export {};
