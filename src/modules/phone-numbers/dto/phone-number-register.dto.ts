import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

export class PhoneNumberRegisterDto {
  @ApiProperty({
    description: "The number's six-digit two-step verification PIN (it becomes the PIN if none is set yet).",
    example: '482913',
    writeOnly: true,
  })
  @Matches(/^\d{6}$/, { message: 'pin must be exactly 6 digits' })
  pin!: string;
}
