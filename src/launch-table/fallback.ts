import { DEFAULT_FALLBACK_AFTER_SECONDS, type AgentName, type PlannedStep, type Step } from '../core/index.js';

export interface FallbackProblem {
  field: 'fallback_agent' | 'fallback_after_seconds';
  message: string;
}

/**
 * A step's fallback agent as planned, and what is wrong with it. A fallback runs the step's
 * prompt afresh with another agent, so it needs a prompt agent other than the step's own, and a
 * step that continues a session cannot have one: the session belongs to its own agent.
 */
export function planFallback(
  fields: Partial<Step>,
  agent: AgentName | undefined,
  resumes: boolean,
  available: ReadonlySet<AgentName>,
): { fallback: PlannedStep['fallback']; problems: FallbackProblem[] } {
  const problems: FallbackProblem[] = [];
  const fallbackAgent = fields.fallback_agent;
  if (fallbackAgent === undefined) {
    if (fields.fallback_after_seconds !== undefined) problems.push({ field: 'fallback_after_seconds', message: 'needs `fallback_agent`: it says how long to wait before using it' });
    return { fallback: null, problems };
  }
  if (!available.has(fallbackAgent)) {
    problems.push({ field: 'fallback_agent', message: `agent \`${fallbackAgent}\` cannot run in this build; available: ${[...available].join(', ')}` });
  } else if (fallbackAgent === 'command' || agent === 'command') {
    problems.push({ field: 'fallback_agent', message: 'a fallback runs the step’s prompt with another agent, so neither the step nor its fallback may be a command step' });
  } else if (fallbackAgent === agent) {
    problems.push({ field: 'fallback_agent', message: `is the step’s own agent (\`${agent}\`); name another agent, or leave it out` });
  }
  if (resumes) {
    problems.push({ field: 'fallback_agent', message: 'a step with resume_from continues its agent’s session, which another agent cannot take over; leave fallback_agent out' });
  }
  return { fallback: problems.length > 0 ? null : { agent: fallbackAgent, after_seconds: fields.fallback_after_seconds ?? DEFAULT_FALLBACK_AFTER_SECONDS }, problems };
}
