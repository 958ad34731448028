import { describeAgentAdapter } from './helpers/agent-contract.js';
import { codexUnderTest } from './helpers/agents-under-test.js';

describeAgentAdapter(codexUnderTest);
