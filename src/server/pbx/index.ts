export * from './config';
export * from './dtmf-callback';
export * from './kamailio';
export * from './ports';
export * from './rtpengine';
export * from './prompts';
