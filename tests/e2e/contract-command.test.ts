import { describeAgentAdapter } from './helpers/agent-contract.js';
import { commandUnderTest } from './helpers/agents-under-test.js';

describeAgentAdapter(commandUnderTest);
