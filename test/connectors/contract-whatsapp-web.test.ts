import { connectorContract } from "./contract.js";
import { whatsappWebDriver } from "./drivers/whatsapp-web.js";

connectorContract(whatsappWebDriver);
