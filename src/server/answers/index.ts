export { answersRouter } from './answers-api';
export { AnswersService, type AnswersServiceOptions } from './answers-service';
export { rankArticles, type ArticleScope, type RankedArticle } from './article-retrieval';
export { languageOf } from './language';
