import { addUsage, usageSince, type Usage } from '../core/index.js';
import type { AgentEvent, LimitSignal, ResumeSource } from '../agents/index.js';

/**
 * What the agent said went wrong, last: an error it reported, or its own verdict that the run
 * failed (claude's `is_error`). A run declared failed stays so; a later error only says more.
 */
export interface AgentError {
  kind: 'reported' | 'declared_failure';
  message: string;
  /** When it was said: what a relative reset in it ("Please retry in 3s") counts from. */
  at: Date;
  /** How many times the model had answered when it was said: one the model answered after is past. */
  answersBefore: number;
}

/** A provider limit the agent's events reported, and whether the model had answered in this attempt before it. */
export interface ObservedLimit extends LimitSignal {
  midConversation: boolean;
}

/** What the agent's event stream told us while it ran. */
export interface Observed {
  threadId: string | null;
  currentItem: string | null;
  lastMessage: string | null;
  threadUsage: Usage | null;
  agentError: AgentError | null;
  /** How many times the model answered in this attempt: a message or an item of its own. */
  answers: number;
  /** The last limit the events reported that nothing the model did has overtaken. */
  limit: ObservedLimit | null;
  /** The agent stopped itself at the cost limit it was given, saying this. */
  agentBudgetStop: string | null;
}

/** Nothing heard yet: only the thread a resume continues is known. */
export function initialObserved(resume: ResumeSource | null): Observed {
  return { threadId: resume?.threadId ?? null, currentItem: null, lastMessage: null, threadUsage: null, agentError: null, answers: 0, limit: null, agentBudgetStop: null };
}

/** This attempt's own usage so far: the conversation's, less what it had used before a resume. */
export function attemptUsage(observed: Observed, resume: ResumeSource | null): Usage | null {
  return observed.threadUsage ? usageSince(observed.threadUsage, resume?.threadUsage ?? null) : null;
}

/**
 * The limit to keep when another is reported: the later one, except that a rate limit does not
 * replace a usage limit. One refusal can be reported twice, first with its window (claude's
 * rate_limit_event), then as the bare 429 it was.
 */
function laterLimit(kept: ObservedLimit | null, next: LimitSignal, answered: boolean): ObservedLimit {
  if (kept?.kind === 'usage_limited' && next.kind === 'rate_limited') return kept;
  return { ...next, midConversation: answered };
}

/** The agent's last error, if the model has not answered since it was said (a retry of its own got through then). */
export function currentAgentError(observed: Observed): AgentError | null {
  return observed.agentError && observed.agentError.answersBefore === observed.answers ? observed.agentError : null;
}

function modelAnswered(observed: Observed): void {
  observed.answers++;
  // The model answered after the limit, so the agent's own retry got through: it is past.
  observed.limit = null;
}

/** Takes one agent event into what was observed. */
export function observeAgentEvent(observed: Observed, event: AgentEvent, resume: ResumeSource | null): void {
  switch (event.kind) {
    case 'session':
      observed.threadId = event.threadId;
      break;
    case 'item':
      observed.currentItem = event.currentItem;
      modelAnswered(observed);
      break;
    case 'message':
      observed.lastMessage = event.text;
      modelAnswered(observed);
      break;
    case 'limit':
      observed.limit = laterLimit(observed.limit, event.limit, observed.answers > 0);
      break;
    case 'usage':
      observed.threadUsage = event.scope === 'attempt' && resume?.threadUsage ? addUsage(resume.threadUsage, event.usage) : event.usage;
      break;
    case 'error':
      observed.agentError = { kind: observed.agentError?.kind ?? 'reported', message: event.message, at: new Date(), answersBefore: observed.answers };
      break;
    case 'failed':
      observed.agentError = { kind: 'declared_failure', message: event.message, at: new Date(), answersBefore: observed.answers };
      break;
    case 'budget_exceeded':
      observed.agentBudgetStop = event.message;
      break;
    case 'other':
      break;
  }
}
