import { addUsage, usageSince, type Usage } from '../core/index.js';
import type { AgentEvent, ResumeSource } from '../agents/index.js';

/**
 * What the agent said went wrong, last: an error it reported, or its own verdict that the run
 * failed (claude's `is_error`). A run declared failed stays so; a later error only says more.
 */
export interface AgentError {
  kind: 'reported' | 'declared_failure';
  message: string;
}

/** What the agent's event stream told us while it ran. */
export interface Observed {
  threadId: string | null;
  currentItem: string | null;
  lastMessage: string | null;
  threadUsage: Usage | null;
  agentError: AgentError | null;
  /** The agent stopped itself at the cost limit it was given, saying this. */
  agentBudgetStop: string | null;
}

/** Nothing heard yet: only the thread a resume continues is known. */
export function initialObserved(resume: ResumeSource | null): Observed {
  return { threadId: resume?.threadId ?? null, currentItem: null, lastMessage: null, threadUsage: null, agentError: null, agentBudgetStop: null };
}

/** This attempt's own usage so far: the conversation's, less what it had used before a resume. */
export function attemptUsage(observed: Observed, resume: ResumeSource | null): Usage | null {
  return observed.threadUsage ? usageSince(observed.threadUsage, resume?.threadUsage ?? null) : null;
}

/** Takes one agent event into what was observed. */
export function observeAgentEvent(observed: Observed, event: AgentEvent, resume: ResumeSource | null): void {
  switch (event.kind) {
    case 'session':
      observed.threadId = event.threadId;
      break;
    case 'item':
      observed.currentItem = event.currentItem;
      break;
    case 'message':
      observed.lastMessage = event.text;
      break;
    case 'usage':
      observed.threadUsage = event.scope === 'attempt' && resume?.threadUsage ? addUsage(resume.threadUsage, event.usage) : event.usage;
      break;
    case 'error':
      observed.agentError = { kind: observed.agentError?.kind ?? 'reported', message: event.message };
      break;
    case 'failed':
      observed.agentError = { kind: 'declared_failure', message: event.message };
      break;
    case 'budget_exceeded':
      observed.agentBudgetStop = event.message;
      break;
    case 'other':
      break;
  }
}
