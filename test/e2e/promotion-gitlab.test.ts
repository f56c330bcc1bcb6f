import { gitlabScenario } from './scm/gitlab.js';
import { promotionSuite } from './scm/promotion-suite.js';

promotionSuite('GitLab', () => gitlabScenario());
